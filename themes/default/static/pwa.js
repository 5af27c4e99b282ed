// The installable app: registers the service worker, forgets the pages kept
// offline when you log out, and turns notifications on or off on this
// device (on /account/app). No build step.
'use strict';
(function () {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js', {scope: '/'}).catch(() => {});

  // Logging out on this device forgets the pages kept offline and stops its
  // notifications (a shared phone should not show the last person's).
  document.querySelectorAll('form[action="/logout"]').forEach((f) => f.addEventListener('submit', (ev) => {
    if (f.dataset.done) return;
    ev.preventDefault();
    f.dataset.done = '1';
    const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
    const forget = Promise.all([
      window.caches ? caches.delete('shiji-pages') : null,
      navigator.serviceWorker.getRegistration().then((reg) => reg && reg.pushManager && reg.pushManager.getSubscription())
        .then((sub) => sub && fetch('/api/v1/push/subscriptions', {method: 'DELETE', credentials: 'same-origin', keepalive: true,
          headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify({endpoint: sub.endpoint})})
          .then(() => sub.unsubscribe())),
    ]).catch(() => {});
    Promise.race([forget, new Promise((r) => setTimeout(r, 1500))]).then(() => f.submit());
  }));

  const box = document.querySelector('[data-push]');
  if (!box) return;
  const status = box.querySelector('[data-push-status]');
  const on = box.querySelector('[data-push-on]');
  const off = box.querySelector('[data-push-off]');
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';
  const say = (key) => { status.textContent = box.dataset[key] || ''; };
  if (!('PushManager' in window) || !box.dataset.key) { say('unsupported'); on.disabled = true; return; }

  const key = () => {
    const s = box.dataset.key.replace(/-/g, '+').replace(/_/g, '/');
    const raw = atob(s + '='.repeat((4 - s.length % 4) % 4));
    return Uint8Array.from(raw, (c) => c.charCodeAt(0));
  };
  const kinds = () => Array.from(box.querySelectorAll('input[name="kind"]:checked')).map((i) => i.value);
  const send = (method, body) => fetch('/api/v1/push/subscriptions', {method, credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify(body)});

  navigator.serviceWorker.ready.then((reg) => reg.pushManager.getSubscription()).then((sub) => {
    say(sub ? 'on' : 'offstate');
    off.hidden = !sub;
  });

  on.addEventListener('click', async () => {
    try {
      if (await Notification.requestPermission() !== 'granted') { say('denied'); return; }
      const reg = await navigator.serviceWorker.ready;
      const sub = (await reg.pushManager.getSubscription()) ||
        await reg.pushManager.subscribe({userVisibleOnly: true, applicationServerKey: key()});
      const resp = await send('POST', Object.assign(sub.toJSON(), {kinds: kinds()}));
      if (!resp.ok) throw new Error((await resp.json()).error);
      say('on'); off.hidden = false;
    } catch (e) {
      status.textContent = (box.dataset.failed || '') + ' ' + (e && e.message ? e.message : '');
    }
  });
  off.addEventListener('click', async () => {
    const reg = await navigator.serviceWorker.ready;
    const sub = await reg.pushManager.getSubscription();
    if (sub) {
      await send('DELETE', {endpoint: sub.endpoint});
      await sub.unsubscribe();
    }
    say('offstate'); off.hidden = true;
  });
})();
