// shiji's service worker: the market's shell and the last pages you viewed
// work offline (a market often has poor reception), a clear offline page
// for the rest, and Web Push notifications. Served at /sw.js with the shell's
// addresses and version filled in; no build step.
'use strict';

const VERSION = '__VERSION__';
const SHELL = __SHELL__;
const SHELL_CACHE = 'shiji-shell-' + VERSION;
const PAGES = 'shiji-pages';
const MEDIA = 'shiji-media';
const MAX_PAGES = 40;
const MAX_MEDIA = 200;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL_CACHE).then((c) => c.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys().then((keys) => Promise.all(keys
    .filter((k) => k.startsWith('shiji-shell-') && k !== SHELL_CACHE)
    .map((k) => caches.delete(k)))).then(() => self.clients.claim()));
});

// trim keeps a cache to its newest max entries.
async function trim(name, max) {
  const cache = await caches.open(name);
  const keys = await cache.keys();
  for (let i = 0; i < keys.length - max; i++) await cache.delete(keys[i]);
}

function cacheable(resp) {
  return resp && resp.ok && resp.type === 'basic' && !/no-store/.test(resp.headers.get('Cache-Control') || '');
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname.startsWith('/live/') || url.pathname === '/sw.js') return;

  if (req.mode === 'navigate') {
    // Network first; a page that loads is kept for when the network is gone.
    event.respondWith(fetch(req).then((resp) => {
      if (cacheable(resp)) {
        const copy = resp.clone();
        caches.open(PAGES).then((c) => c.put(req, copy)).then(() => trim(PAGES, MAX_PAGES));
      }
      return resp;
    }).catch(async () => (await caches.match(req, {ignoreVary: true})) ||
      (await caches.match('/offline', {ignoreVary: true})) ||
      new Response('offline', {status: 503, headers: {'Content-Type': 'text/plain'}})));
    return;
  }
  if (url.pathname.startsWith('/static/') || url.pathname === '/alleys.css' || url.pathname.startsWith('/media/')) {
    // Cache first: theme files are versioned, photos never change.
    event.respondWith(caches.match(req, {ignoreVary: true}).then((hit) => hit || fetch(req).then((resp) => {
      if (cacheable(resp)) {
        const copy = resp.clone();
        const name = url.pathname.startsWith('/media/') ? MEDIA : SHELL_CACHE;
        caches.open(name).then((c) => c.put(req, copy)).then(() => name === MEDIA && trim(MEDIA, MAX_MEDIA));
      }
      return resp;
    })));
  }
});

// The page asks to forget the pages kept (on logging out).
self.addEventListener('message', (event) => {
  if (event.data === 'forget-pages') event.waitUntil(caches.delete(PAGES));
});

self.addEventListener('push', (event) => {
  let p = {};
  try { p = event.data ? event.data.json() : {}; } catch (e) { p = {body: event.data ? event.data.text() : ''}; }
  event.waitUntil(self.registration.showNotification(p.title || 'shiji', {
    body: p.body || '', tag: p.tag || undefined, data: {url: p.url || '/'},
    icon: '/static/icons/icon-192.png', badge: '/static/icons/icon-192.png',
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = (event.notification.data && event.notification.data.url) || '/';
  event.waitUntil(self.clients.matchAll({type: 'window', includeUncontrolled: true}).then((list) => {
    for (const c of list) {
      if (c.url === target && 'focus' in c) return c.focus();
    }
    return self.clients.openWindow(target);
  }));
});
