package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/shiji-market/shiji/node"
)

// csp allows only this origin's scripts, styles and images (plus https images
// from other markets), no inline script, no framing.
const csp = "default-src 'self'; img-src 'self' https: data:; style-src 'self'; script-src 'self'; " +
	"object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"

// contentSecurityPolicy is csp, with plain-http images from elsewhere too
// when the node federates on a LAN.
func contentSecurityPolicy(plainHTTPImages bool) string {
	if plainHTTPImages {
		return strings.Replace(csp, "img-src 'self' https:", "img-src 'self' https: http:", 1)
	}
	return csp
}

// routes registers the middleware and every route of the node.
func (s *Server) routes() {
	e := s.e
	if s.cfg.Metrics != nil || s.cfg.MetricsToken != "" {
		e.Pre(s.observe) // ecosystem (issue 16): the outermost, to count every request
	}
	// Request id, security headers, body limits, panics, the access log:
	// before routing, so that what Config.Mount answers in a Pre middleware
	// of its own (federation's inboxes and ActivityPub fetches) passes it too.
	e.Pre(newFrontDoor(s).handle)
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.TrailingSlashConfig{RedirectCode: http.StatusMovedPermanently}))
	e.Use(restoreHead) // the first after routing (head.go)
	e.Use(s.authenticate)
	e.Use(middleware.CSRFWithConfig(middleware.CSRFConfig{
		TokenLookup: "form:_csrf,header:X-CSRF-Token", CookieName: csrfCookie, CookiePath: "/",
		CookieHTTPOnly: true, CookieSecure: s.secure, CookieSameSite: http.SameSiteLaxMode, CookieMaxAge: 86400 * 7,
		Skipper:      skipCSRF,
		ErrorHandler: func(err error, c echo.Context) error { return errCSRF },
	}))
	// Every write, by kind, per account and per client address; logins and
	// sign-ups per address (limits.go; the limits are configurable).
	e.Use(s.limitWrites)
	e.Use(s.touchSession) // when each session was last used (touch.go)

	// Theme assets and photos.
	e.GET("/static/*", s.serveStatic)
	e.GET("/media/*", echo.WrapHandler(http.StripPrefix("/media", s.cfg.Media.Handler())))
	e.GET("/healthz", s.healthz)

	// Pages. Those marked s.cachePage are served to anonymous visitors from
	// the page cache (pagecache.go) while nothing they show has changed.
	e.GET("/", s.home, s.cachePage)
	e.GET("/alleys.css", s.alleysCSS)
	e.GET("/alleys/:slug", s.alleyPage, s.cachePage)
	e.GET("/stalls/new", s.newStallPage, requireAccount)
	e.POST("/stalls/new", s.createStall, requireAccount)
	e.GET("/stalls/:id", s.stallPage, s.cachePage)
	e.GET("/stalls/:id/edit", s.editStallPage, requireAccount)
	e.POST("/stalls/:id/edit", s.updateStall, requireAccount)
	e.GET("/stalls/:id/items/new", s.newItemPage, requireAccount)
	e.POST("/stalls/:id/items/new", s.createItem, requireAccount)
	e.GET("/items/:id", s.itemPage, s.cachePage)
	e.GET("/items/:id/edit", s.editItemPage, requireAccount)
	e.POST("/items/:id/edit", s.updateItem, requireAccount)
	e.POST("/items/:id/withdraw", s.withdrawItem, requireAccount)
	e.POST("/items/:id/thread", s.postToThread("item"), requireAccount)
	e.POST("/stalls/:id/thread", s.postToThread("stall"), requireAccount)
	e.GET("/conversations", s.conversationsPage, requireAccount)
	e.POST("/conversations/private", s.startPrivatePage, requireAccount)
	e.POST("/conversations/group", s.createGroupPage, requireAccount)
	e.GET("/conversations/:id", s.conversationPage, requireAccount)
	e.POST("/conversations/:id/messages", s.postMessagePage, requireAccount)
	e.POST("/conversations/:id/:action", s.membershipPage, requireAccount)
	e.POST("/messages/:id/:action", s.messageActionPage, requireAccount)
	e.GET("/notifications", s.notificationsPage, requireAccount)
	e.GET("/moderation", s.moderationPage, requireAccount)
	e.POST("/reports/:id/resolve", s.resolveReportPage, requireAccount)
	e.POST("/blocks", s.blockPage, requireAccount)
	e.POST("/admin/fed-blocks", s.addFedBlockPage, requireAccount)
	e.POST("/admin/fed-blocks/:id/:action", s.fedBlockActionPage, requireAccount)
	e.GET("/follow-requests", s.followRequestsPage, requireAccount)
	e.GET("/world", s.worldPage)
	e.POST("/world/follow", s.followRemotePage, requireAccount)
	e.POST("/world/follows/:id/unfollow", s.unfollowRemotePage, requireAccount)
	e.POST("/world/ask", s.askElsewherePage, requireAccount)
	e.POST("/world/write", s.writeElsewherePage, requireAccount)
	e.POST("/follow-requests/:id/:action", s.answerFollowRequestPage, requireAccount)
	// Reports across servers, tag pages, pinned items (issue 11, federation conformance).
	e.GET("/tags/:name", s.tagPage, s.cachePage)
	e.POST("/admin/instance", s.adminInstance, requireAccount)
	e.POST("/items/:id/pin", s.pinPage, requireAccount)
	e.POST("/items/:id/content-warning", s.warningPage, requireAccount)
	e.POST("/reports/remote/:id/resolve", s.resolveRemoteReportPage, requireAccount)
	e.POST("/reports/:id/forward", s.forwardReportPage, requireAccount)
	e.GET("/map", s.mapPage, s.cachePage)
	e.GET("/wander", s.wanderPage, s.cachePage)
	e.POST("/wander/new", s.newWalk, s.sameOrigin)
	e.GET("/wander/surprise", s.surprise)
	e.GET("/live/ambience", s.ambienceStream)
	e.GET("/search", s.searchPage, s.cachePage)
	e.GET("/days/:date", s.dayPage, s.cachePage)
	e.GET(node.MarketICSPath, s.marketICS)
	e.GET("/stalls/:id/market.ics", s.stallICS)
	e.POST("/stalls/:id/follow", s.followStall, requireAccount)
	e.POST("/items/:id/reserve", s.reserve, requireAccount)
	e.GET("/trades", s.tradesPage, requireAccount)
	e.GET("/trades/:id", s.tradePage, requireAccount)
	e.POST("/trades/:id/notes", s.tradeNote, requireAccount)
	e.POST("/trades/:id/:action", s.tradeAction, requireAccount)
	e.GET("/met", s.metPage, requireAccount)
	e.GET("/@:name", s.profilePage, s.cachePage)
	e.POST("/admin/schedule", s.adminSchedule, requireAccount)
	e.GET("/admin/market", s.adminMarketPage, requireAccount)
	e.POST("/admin/alleys", s.adminCreateAlley, requireAccount)
	e.POST("/admin/floor", s.adminFloor, requireAccount)
	e.POST("/admin/place", s.adminPlace, requireAccount)

	// The world market (issue 12): the world stroll, market links and the
	// linked markets' days (pages_world_market.go).
	e.GET("/world/wander", s.worldStrollPage)
	e.POST("/world/wander/new", s.newWorldWalk, s.sameOrigin)
	e.POST("/world/reserve", s.reserveElsewherePage, requireAccount) // trades across markets (issue 13, api_trades_remote.go)
	e.POST("/world/links", s.linkMarketPage, requireAccount)
	e.POST("/world/links/:id/:action", s.linkActionPage, requireAccount)
	e.POST("/world/markets/:id/:action", s.hideMarketPage, requireAccount)
	e.GET(node.WorldICSPath, s.worldICS)
	e.GET("/world/media/*", s.worldMedia())

	e.GET("/login", s.loginPage)
	e.POST("/login", s.login)
	e.GET("/signup", s.signupPage)
	e.POST("/signup", s.signup)
	e.POST("/logout", s.logout)
	e.POST("/lang", s.setLang, s.sameOrigin)
	e.GET("/account", s.accountPage, requireAccount)
	e.POST("/account", s.updateAccount, requireAccount)
	e.POST("/admin/signup", s.setSignupMode, requireAccount)
	e.POST("/admin/invitations", s.createInvitation, requireAccount)

	// Ecosystem (issue 16): first-run setup, feeds.
	e.Pre(feedPaths)
	e.GET("/feeds/items/all/:format", s.itemsFeed, feedFormat)
	e.GET("/feeds/stalls/:id/:format", s.stallFeed, feedFormat)
	e.GET("/feeds/alleys/:slug/:format", s.alleyFeed, feedFormat)
	e.GET("/setup", s.setupPage)
	e.POST("/setup", s.setup) // limited as a sign-up (limits.go)
	e.POST("/admin/alleys/:id", s.renameAlley, requireAccount)
	e.GET("/calendars/:file", s.myCalendar)
	e.GET("/account/app", s.appPage, requireAccount)
	e.POST("/account/app/calendar", s.resetCalendar, requireAccount)
	e.POST("/api/v1/push/subscriptions", s.subscribePush, requireAccount)
	e.DELETE("/api/v1/push/subscriptions", s.unsubscribePush, requireAccount)
	e.POST("/push/subscriptions/:id/delete", s.unsubscribePush, requireAccount)
	// The installable app: manifest, service worker, offline page.
	e.GET("/manifest.webmanifest", s.manifest)
	e.GET("/sw.js", s.serviceWorker)
	e.GET("/offline", s.offlinePage)

	// JSON API, documented in docs/api.md.
	api := e.Group("/api/v1")
	api.POST("/sessions", s.apiCreateSession)
	api.DELETE("/sessions/current", s.apiDeleteSession, requireAccount)
	api.GET("/account", s.apiAccount, requireAccount)
	api.GET("/market", s.apiMarket)
	api.GET("/alleys", s.apiAlleys)
	api.POST("/alleys", s.apiCreateAlley, requireAccount)
	api.POST("/stalls", s.apiCreateStall, requireAccount)
	api.GET("/stalls/:id", s.apiStall, s.cachePage)
	api.PATCH("/stalls/:id", s.apiUpdateStall, requireAccount)
	api.PUT("/stalls/:id/spot", s.apiPlaceStall, requireAccount)
	api.POST("/stalls/:id/photos", s.apiAddPhoto("stall"), requireAccount)
	api.POST("/stalls/:id/items", s.apiCreateItem, requireAccount)
	api.GET("/items/:id", s.apiItem, s.cachePage)
	api.PATCH("/items/:id", s.apiUpdateItem, requireAccount)
	api.DELETE("/items/:id", s.apiDeleteItem, requireAccount)
	api.POST("/items/:id/photos", s.apiAddPhoto("item"), requireAccount)
	api.GET("/search", s.apiSearch, s.cachePage)
	api.GET("/items/:id/thread", s.apiThread("item"))
	api.POST("/items/:id/thread", s.apiThread("item"), requireAccount)
	api.GET("/stalls/:id/thread", s.apiThread("stall"))
	api.POST("/stalls/:id/thread", s.apiThread("stall"), requireAccount)
	api.POST("/conversations", s.apiCreateConversation, requireAccount)
	api.GET("/conversations", s.apiConversations, requireAccount)
	api.GET("/conversations/:id", s.apiConversation, requireAccount)
	api.POST("/conversations/:id/members", s.apiJoin, requireAccount)
	api.DELETE("/conversations/:id/members/:name", s.apiLeaveOrRemove, requireAccount)
	api.PATCH("/conversations/:id/members/me", s.apiMute, requireAccount)
	api.GET("/conversations/:id/messages", s.apiMessages, requireAccount)
	api.POST("/conversations/:id/messages", s.apiMessages, requireAccount)
	api.PATCH("/messages/:id", s.apiEditMessage, requireAccount)
	api.DELETE("/messages/:id", s.apiDeleteMessage, requireAccount)
	api.POST("/messages/:id/reports", s.apiReport, requireAccount)
	api.GET("/reports", s.apiReports, requireAccount)
	api.POST("/reports/:id/resolve", s.apiResolveReport, requireAccount)
	// Reports across servers, tags, pinned items (issue 11, federation conformance).
	api.GET("/tags/:name", s.apiTag)
	api.GET("/admin/instance", s.apiAdminInstance, requireAccount)
	api.PUT("/admin/instance", s.apiAdminInstance, requireAccount)
	api.POST("/items/:id/pin", s.apiPin, requireAccount)
	api.DELETE("/items/:id/pin", s.apiPin, requireAccount)
	api.PUT("/items/:id/content-warning", s.apiWarning, requireAccount)
	api.GET("/stalls/:id/pinned", s.apiPinned)
	api.GET("/reports/remote", s.apiRemoteReports, requireAccount)
	api.POST("/reports/remote/:id/resolve", s.apiResolveRemoteReport, requireAccount)
	api.POST("/reports/:id/forward", s.apiForwardReport, requireAccount)
	api.POST("/blocks", s.apiBlock, requireAccount)
	api.DELETE("/blocks/:name", s.apiBlock, requireAccount)
	api.GET("/admin/blocks", s.apiFedBlocks, requireAccount)
	api.POST("/admin/blocks", s.apiFedBlocks, requireAccount)
	api.DELETE("/admin/blocks/:id", s.apiFedBlock, requireAccount)
	api.POST("/admin/blocks/:id/purge", s.apiFedBlock, requireAccount)
	api.GET("/follow-requests", s.apiFollowRequests, requireAccount)
	api.POST("/follow-requests/:id/:action", s.apiAnswerFollowRequest, requireAccount)
	api.GET("/notifications", s.apiNotifications, requireAccount)
	api.POST("/notifications/read", s.apiNotifications, requireAccount)
	api.GET("/stream", s.apiStream, requireAccount)
	api.GET("/wander", s.apiWander, s.cacheEveryones) // the same for every reader (issue 14, signed-in pages)
	api.GET("/wander/surprise", s.apiSurprise)
	api.GET("/stalls/:id/neighbours", s.apiNeighbours)
	api.GET("/market/days", s.apiMarketDays)
	api.GET("/market/days/:date", s.apiMarketDay)
	api.GET("/market/schedule", s.apiSchedule)
	api.PUT("/market/schedule", s.apiSchedule, requireAccount)
	api.POST("/items/:id/reservations", s.apiReserve, requireAccount)
	api.GET("/trades", s.apiTrades, requireAccount)
	api.GET("/trades/:id", s.apiTrade, requireAccount)
	api.POST("/trades/:id/notes", s.apiNote, requireAccount)
	api.POST("/trades/:id/:action", s.apiTradeStep, requireAccount)
	api.GET("/stalls/:id/notes", s.apiStallNotes)
	api.POST("/stalls/:id/follow", s.apiFollow, requireAccount)
	api.DELETE("/stalls/:id/follow", s.apiFollow, requireAccount)
	api.GET("/met", s.apiMet, requireAccount)

	// The world market (issue 12): market links, the world stroll, hiding a
	// market, the linked markets' days (api_world.go).
	api.GET("/market/links", s.apiMarketLinks)
	api.POST("/market/links", s.apiMarketLinks, requireAccount)
	api.GET("/market/links/:id", s.apiMarketLink)
	api.DELETE("/market/links/:id", s.apiMarketLink, requireAccount)
	api.POST("/market/links/:id/block", s.apiMarketLink, requireAccount)
	api.PUT("/world/hidden/:id", s.apiHideMarket, requireAccount)
	api.DELETE("/world/hidden/:id", s.apiHideMarket, requireAccount)
	api.GET("/world/wander", s.apiWorldWander)
	api.GET("/world/days", s.apiWorldDays)
	// Trust (issue 15, docs/trust.md): people's control of their sessions
	// and data, sign-up protection, stalls moving to another market.
	e.GET("/account/export", s.exportPage, requireAccount)
	e.GET("/account/delete", s.deleteAccountPage, requireAccount)
	e.POST("/account/delete", s.deleteAccountConfirmed, requireAccount)
	e.POST("/account/password", s.passwordPage, requireAccount)
	e.POST("/account/sessions/end-others", s.endOtherSessionsPage, requireAccount)
	e.POST("/account/sessions/:id/end", s.endSessionPage, requireAccount)
	e.POST("/admin/signup-protection", s.setSignupProtectionPage, requireAccount)
	e.POST("/admin/signups/:id/:action", s.answerSignupPage, requireAccount)
	e.GET("/stalls/:id/move", s.movePage, requireAccount)
	e.POST("/stalls/:id/aliases", s.moveFormPage("alias"), requireAccount)
	e.POST("/stalls/:id/aliases/remove", s.moveFormPage("unalias"), requireAccount)
	e.POST("/stalls/:id/move", s.moveFormPage("move"), requireAccount)
	api.GET("/me/sessions", s.apiSessions, requireAccount)
	api.DELETE("/me/sessions", s.apiSessions, requireAccount)
	api.DELETE("/me/sessions/:id", s.apiEndSession, requireAccount)
	api.POST("/me/password", s.apiPassword, requireAccount)
	api.GET("/me/export", s.apiExport, requireAccount)
	api.DELETE("/me", s.apiDeleteMe, requireAccount)
	api.GET("/admin/signup-protection", s.apiSignupProtection, requireAccount)
	api.PUT("/admin/signup-protection", s.apiSignupProtection, requireAccount)
	api.GET("/admin/signups", s.apiSignups, requireAccount)
	api.POST("/admin/signups/:id/:action", s.apiAnswerSignup, requireAccount)
	api.GET("/stalls/:id/aliases", s.apiStallAliases, requireAccount)
	api.POST("/stalls/:id/aliases", s.apiStallAliases, requireAccount)
	api.DELETE("/stalls/:id/aliases", s.apiStallAliases, requireAccount)
	api.POST("/stalls/:id/move", s.apiMoveStall, requireAccount)

	// Trades across markets (issue 13): reserving an item of another market
	// (api_trades_remote.go); the trade then moves through /trades above.
	api.POST("/remote/reservations", s.apiRemoteReserve, requireAccount)
	// Group chats across markets (issue 13): opening one to other markets
	// (api_rooms.go); people elsewhere follow and write through /follows and
	// /remote/messages.
	api.PATCH("/conversations/:id", s.apiFederateRoom, requireAccount)
	// A removed member elsewhere let back in (api_rooms.go).
	api.PUT("/conversations/:id/members/:name", s.apiReadmitMember, requireAccount)

	api.Any("/*", func(c echo.Context) error {
		return node.Errorf(node.ENOTFOUND, "No API endpoint %s %s; see docs/api.md.", c.Request().Method, c.Request().URL.Path)
	})
}

func hstsAge(secure bool) int {
	if secure {
		return 31536000
	}
	return 0
}

// isUpload reports whether the request is a photo upload, which has its own limit.
func isUpload(c echo.Context) bool {
	r := c.Request()
	return r.Method == http.MethodPost && (strings.HasSuffix(r.URL.Path, "/photos") ||
		strings.HasPrefix(r.Header.Get(echo.HeaderContentType), echo.MIMEMultipartForm))
}
