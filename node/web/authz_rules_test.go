package web_test

// The authorisation matrix: one rule per route of the node (pages, API and
// ActivityPub), keyed "METHOD /path" exactly as the route is registered.
// TestAuthorisationMatrix walks the route table and fails for any route
// without a rule, printing the line to add here.
//
// A rule says who may call the route; everyone else signed in gets deny
// (403, or 404 for things that do not exist for them), and an anonymous
// visitor 401 (API, and any write) or a redirect to /login (a page).
//
// The fixture the routes are called on (authz_test.go):
//
//	mei   organiser            mo    moderator
//	wang  stallholder: holds stall W with item I; the stall side of trade T
//	li    stallholder of another stall
//	ajie  resident: reserved I (trade T), chats privately with wang (chat C,
//	      ajie's message M in it), asked about I in its thread, reported
//	      wang's answer there (report R), owns group chat G
//	xiao  resident with nothing to do with any of it
//
// Path parameters are filled from the fixture by the route's prefix
// (/stalls/:id is W, /trades/:id is T, …); a rule's at() gives the path
// itself when a route needs a particular value (an action, another id).
// with() gives a valid body: a refused caller must be refused for who they
// are, not for a malformed request.

var rules = map[string]rule{
	// Public pages and assets.
	"GET /":                      public(),
	"GET /@:name":                public(),
	"GET /alleys.css":            public(),
	"GET /alleys/:slug":          public(),
	"GET /days/:date":            public(),
	"GET /healthz":               public(),
	"GET /items/:id":             public(),
	"GET /live/ambience":         public(),
	"GET /login":                 public(),
	"GET /map":                   public(),
	"GET /market.ics":            public(),
	"GET /media/*":               public().at("/media/0123456789abcdef0123456789abcdef.jpg"),
	"GET /search":                public().at("/search?q=bell"),
	"GET /signup":                public(),
	"GET /stalls/:id":            public(),
	"GET /stalls/:id/market.ics": public(),
	"GET /static/*":              public().at("/static/shiji.css"),
	"GET /wander":                public(),
	"GET /wander/surprise":       public(),
	"POST /lang":                 public().with("lang=en").aside(),
	"POST /login":                public().with("name=xiao&password=a+long+secret+phrase").aside(),
	"POST /logout":               public().last(),
	"POST /signup":               public().with("name=someone_new&password=a+long+secret+phrase&answer=old+lis").aside(),
	"POST /wander/new":           public(),

	// Pages for everyone signed in.
	"GET /account":                      signedIn(),
	"POST /account":                     signedIn().with("display_name=Someone&lang=en"),
	"GET /account/delete":               signedIn(),
	"POST /account/delete":              signedIn().with("password=a+long+secret+phrase&confirm=1").last(),
	"GET /account/export":               signedIn(),
	"POST /account/password":            signedIn().with("current=a+long+secret+phrase&new=another+long+phrase").last(),
	"POST /account/sessions/:id/end":    only("ajie").denies(404),
	"POST /account/sessions/end-others": signedIn().last(),
	"POST /blocks":                      signedIn().with("name=stranger"),
	"GET /conversations":                signedIn(),
	"POST /conversations/group":         signedIn().with("name=Tea+drinkers"),
	"POST /conversations/private":       signedIn().with("with=li"),
	"GET /follow-requests":              signedIn(),
	"GET /met":                          signedIn(),
	"GET /notifications":                signedIn(),
	"GET /trades":                       signedIn(),
	"GET /world":                        public(),
	"POST /world/ask":                   signedIn().with("note=http://127.0.0.1:1/notes/1&body=Still+there?"),
	"POST /world/follow":                signedIn().with("acct=nobody@127.0.0.1:1"),
	"POST /world/write":                 signedIn().with("to=nobody@127.0.0.1:1&body=Hello"),
	"POST /world/follows/:id/unfollow":  only("ajie").denies(404),
	"POST /items/:id/thread":            signedIn().with("body=Is+it+still+there?"),
	"POST /stalls/:id/thread":           signedIn().with("body=When+do+you+open?"),
	"POST /stalls/:id/follow":           signedIn(),
	"POST /items/:id/reserve":           signedIn().except("wang").denies(403).with("quantity=1&market_day={day}"),

	// A stall and its items: its stallholders, moderators and the organiser.
	"GET /stalls/new":                 only("wang", "li", "mo", "mei").denies(403),
	"POST /stalls/new":                only("wang", "li", "mo", "mei").denies(403).with("name=New+stall&alley={alley}"),
	"GET /stalls/:id/edit":            editors().denies(403),
	"POST /stalls/:id/edit":           editors().denies(403).with("name=Old+Wang&alley={alley}"),
	"GET /stalls/:id/items/new":       editors().denies(403),
	"POST /stalls/:id/items/new":      editors().denies(403).with("title=A+kettle&price_kind=free&quantity=1"),
	"GET /items/:id/edit":             editors().denies(403),
	"POST /items/:id/edit":            editors().denies(403).with("title=Phoenix+bell&price_kind=free&quantity=5"),
	"POST /items/:id/withdraw":        editors().denies(403),
	"GET /stalls/:id/move":            only("wang").denies(403),
	"POST /stalls/:id/aliases":        only("wang").denies(403).with("alias=nobody@127.0.0.1:1"),
	"POST /stalls/:id/aliases/remove": only("wang").denies(403).with("alias=https://elsewhere.example/stalls/1"),
	"POST /stalls/:id/move":           only("wang").denies(403).with("to=nobody@127.0.0.1:1"),

	// Conversations: the private chat C is ajie's and wang's; it does not
	// exist for anyone else.
	"GET /conversations/:id":            only("ajie", "wang").denies(404),
	"POST /conversations/:id/messages":  only("ajie", "wang").denies(404).with("body=See+you+Saturday"),
	"POST /conversations/:id/:action":   only("ajie", "wang").denies(404).at("/conversations/{chat}/mute"),
	"POST /messages/:id/:action":        only("ajie", "wang").denies(404).at("/messages/{message}/report").with("reason=spam"),
	"POST /reports/:id/resolve":         moderators().denies(403).with("action=dismiss"),
	"GET /moderation":                   moderators().denies(403),
	"POST /follow-requests/:id/:action": only("wang", "mo", "mei").denies(404).at("/follow-requests/{request}/reject"),

	// Trades: T is between ajie and wang.
	"GET /trades/:id":          only("ajie", "wang").denies(404),
	"POST /trades/:id/:action": only("wang").denies(404).but("ajie", 403).at("/trades/{trade}/accept"),
	"POST /trades/:id/notes":   only("ajie", "wang").denies(404).with("body=Thank+you"),

	// The world market (issue 12): strolls, days and links are public;
	// linking is the organiser's; hiding a market is each reader's own.
	"GET /world/wander":                   public(),
	"POST /world/wander/new":              public(),
	"GET /world.ics":                      public(),
	"GET /world/media/*":                  public().at("/world/media/0123456789abcdef0123456789abcdef.jpg"),
	"GET /api/v1/world/wander":            public(),
	"GET /api/v1/world/days":              public(),
	"GET /api/v1/market/links":            public(),
	"GET /api/v1/market/links/:id":        public().at("/api/v1/market/links/999"),
	"POST /api/v1/market/links":           only("mei").denies(403).with(`{"acct":"nobody@127.0.0.1:1"}`),
	"DELETE /api/v1/market/links/:id":     only("mei").denies(403).at("/api/v1/market/links/999"),
	"POST /api/v1/market/links/:id/block": only("mei").denies(403).at("/api/v1/market/links/999/block"),
	"PUT /api/v1/world/hidden/:id":        signedIn().at("/api/v1/world/hidden/999"),
	"DELETE /api/v1/world/hidden/:id":     signedIn().at("/api/v1/world/hidden/999"),
	"POST /world/links":                   only("mei").denies(403).with("address=nobody@127.0.0.1:1"),
	"POST /world/links/:id/:action":       only("mei").denies(403).at("/world/links/999/unlink"),
	"POST /world/markets/:id/:action":     signedIn().at("/world/markets/999/hide"),

	// Trades and group chats across markets (issue 13): reserving on another
	// market, opening a group chat to other markets (its owner), the room's
	// ActivityPub documents (404 until it is opened).
	"POST /world/reserve":              signedIn().with("item=http://127.0.0.1:1/items/1"),
	"POST /api/v1/remote/reservations": signedIn().with(`{"item":"http://127.0.0.1:1/items/1","quantity":1}`),
	"PATCH /api/v1/conversations/:id":  only("ajie").denies(403).at("/api/v1/conversations/{group}").with(`{"federated":true}`),
	"GET /rooms/:id":                   public().at("/rooms/{group}"),
	"GET /rooms/:id/followers":         public().at("/rooms/{group}/followers"),
	"GET /rooms/:id/outbox":            public().at("/rooms/{group}/outbox"),

	// The organiser and moderators.
	"GET /admin/market":                  moderators().denies(403),
	"POST /admin/alleys":                 only("mei").denies(403).with("slug=books&name_en=Books&colour=%23336699"),
	"POST /admin/floor":                  only("mei").denies(403).with("w=12&h=8"),
	"POST /admin/place":                  moderators().denies(403).with("stall={stall}&x=3&y=3"),
	"POST /admin/schedule":               only("mei").denies(403).with("op=weekly&weekday=saturday&start=08:00&end=13:00"),
	"POST /admin/signup":                 only("mei").denies(403).with("mode=open"),
	"POST /admin/signup-protection":      only("mei").denies(403).with("approval=1&question=Which+bakery%3F&answers=Old+Li%27s"),
	"POST /admin/signups/:id/:action":    moderators().denies(403).at("/admin/signups/{signup}/reject"),
	"POST /admin/invitations":            moderators().denies(403).with("role=resident"),
	"POST /admin/fed-blocks":             moderators().denies(403).with("kind=domain&target=spam2.example"),
	"POST /admin/fed-blocks/:id/:action": moderators().denies(403).at("/admin/fed-blocks/{block}/purge"),

	// API: sessions and the account.
	"POST /api/v1/sessions":                    public().with(`{"name":"xiao","password":"a long secret phrase"}`),
	"DELETE /api/v1/sessions/current":          signedIn().last(),
	"GET /api/v1/account":                      signedIn(),
	"GET /api/v1/me/sessions":                  signedIn(),
	"DELETE /api/v1/me/sessions":               signedIn().last(),
	"DELETE /api/v1/me/sessions/:id":           only("ajie").denies(404),
	"POST /api/v1/me/password":                 signedIn().with(`{"current":"a long secret phrase","new":"another long phrase"}`).last(),
	"GET /api/v1/me/export":                    signedIn(),
	"DELETE /api/v1/me":                        signedIn().with(`{"password":"a long secret phrase"}`).last(),
	"GET /api/v1/notifications":                signedIn(),
	"POST /api/v1/notifications/read":          signedIn(),
	"GET /api/v1/met":                          signedIn(),
	"POST /api/v1/blocks":                      signedIn().with(`{"name":"stranger"}`),
	"DELETE /api/v1/blocks/:name":              signedIn().at("/api/v1/blocks/stranger"),
	"GET /api/v1/stream":                       signedIn(),
	"GET /api/v1/follow-requests":              signedIn(),
	"POST /api/v1/follow-requests/:id/:action": only("wang", "mo", "mei").denies(404).at("/api/v1/follow-requests/{request}/reject"),

	// API: the market, stalls, items, search, the wander — public reads.
	"GET /api/v1/market":                  public(),
	"GET /api/v1/market/days":             public(),
	"GET /api/v1/market/days/:date":       public(),
	"GET /api/v1/market/schedule":         public(),
	"PUT /api/v1/market/schedule":         only("mei").denies(403).with(`{"timezone":"UTC","dates":[{"date":"{day}","start":"08:00","end":"13:00"}]}`),
	"GET /api/v1/alleys":                  public(),
	"POST /api/v1/alleys":                 only("mei").denies(403).with(`{"slug":"books","name":{"en":"Books"}}`),
	"GET /api/v1/stalls/:id":              public(),
	"GET /api/v1/stalls/:id/neighbours":   public(),
	"GET /api/v1/stalls/:id/notes":        public(),
	"GET /api/v1/stalls/:id/thread":       public(),
	"GET /api/v1/items/:id":               public(),
	"GET /api/v1/items/:id/thread":        public(),
	"GET /api/v1/search":                  public().at("/api/v1/search?q=bell"),
	"GET /api/v1/wander":                  public(),
	"GET /api/v1/wander/surprise":         public(),
	"POST /api/v1/stalls":                 only("wang", "li", "mo", "mei").denies(403).with(`{"name":"Another","alley":"vintage"}`),
	"PATCH /api/v1/stalls/:id":            editors().denies(403).with(`{"name":"Old Wang"}`),
	"PUT /api/v1/stalls/:id/spot":         moderators().denies(403).with(`{"x":4,"y":4}`),
	"POST /api/v1/stalls/:id/photos":      editors().denies(403).photo(),
	"POST /api/v1/stalls/:id/items":       editors().denies(403).with(`{"title":"A kettle","price":{"kind":"free"}}`),
	"GET /api/v1/stalls/:id/aliases":      only("wang").denies(403),
	"POST /api/v1/stalls/:id/aliases":     only("wang").denies(403).with(`{"alias":"nobody@127.0.0.1:1"}`),
	"DELETE /api/v1/stalls/:id/aliases":   only("wang").denies(403).at("/api/v1/stalls/{stall}/aliases?alias=https://elsewhere.example/stalls/1"),
	"POST /api/v1/stalls/:id/move":        only("wang").denies(403).with(`{"to":"nobody@127.0.0.1:1"}`),
	"POST /api/v1/stalls/:id/follow":      signedIn(),
	"DELETE /api/v1/stalls/:id/follow":    signedIn(),
	"POST /api/v1/stalls/:id/thread":      signedIn().with(`{"body":"When do you open?"}`),
	"PATCH /api/v1/items/:id":             editors().denies(403).with(`{"title":"Phoenix bell"}`),
	"DELETE /api/v1/items/:id":            editors().denies(403),
	"POST /api/v1/items/:id/photos":       editors().denies(403).photo(),
	"POST /api/v1/items/:id/thread":       signedIn().with(`{"body":"Is it still there?"}`),
	"POST /api/v1/items/:id/reservations": signedIn().except("wang").denies(403).with(`{"quantity":1,"market_day":"{day}"}`),

	// API: conversations.
	"GET /api/v1/conversations":                      signedIn(),
	"POST /api/v1/conversations":                     signedIn().with(`{"kind":"group","name":"Tea drinkers"}`),
	"GET /api/v1/conversations/:id":                  only("ajie", "wang").denies(404),
	"GET /api/v1/conversations/:id/messages":         only("ajie", "wang").denies(404),
	"POST /api/v1/conversations/:id/messages":        only("ajie", "wang").denies(404).with(`{"body":"See you Saturday"}`),
	"POST /api/v1/conversations/:id/members":         signedIn().at("/api/v1/conversations/{group}/members"),
	"DELETE /api/v1/conversations/:id/members/:name": only("ajie", "li", "mo", "mei").denies(403).at("/api/v1/conversations/{group}/members/li"), // the owner, moderators, or li leaving
	"PATCH /api/v1/conversations/:id/members/me":     only("ajie", "wang").denies(404).with(`{"muted":true}`),
	"PUT /api/v1/conversations/:id/members/:name":    only("ajie", "mo", "mei").denies(403).at("/api/v1/conversations/{group}/members/bo@elsewhere.example"), // letting a removed member elsewhere back in
	"PATCH /api/v1/messages/:id":                     only("ajie").denies(404).but("wang", 403).with(`{"body":"See you on Saturday"}`),
	"DELETE /api/v1/messages/:id":                    only("ajie").denies(404).but("wang", 403),
	"POST /api/v1/messages/:id/reports":              only("ajie", "wang").denies(404).with(`{"reason":"spam"}`),
	"GET /api/v1/reports":                            moderators().denies(403),
	"POST /api/v1/reports/:id/resolve":               moderators().denies(403).with(`{"action":"dismiss"}`),

	// API: trades.
	"GET /api/v1/trades":              signedIn(),
	"GET /api/v1/trades/:id":          only("ajie", "wang").denies(404),
	"POST /api/v1/trades/:id/:action": only("wang").denies(404).but("ajie", 403).at("/api/v1/trades/{trade}/accept"),
	"POST /api/v1/trades/:id/notes":   only("ajie", "wang").denies(404).with(`{"body":"Thank you"}`),

	// API: the organiser and moderators.
	"GET /api/v1/admin/blocks":               moderators().denies(403),
	"POST /api/v1/admin/blocks":              moderators().denies(403).with(`{"domain":"spam2.example"}`),
	"DELETE /api/v1/admin/blocks/:id":        moderators().denies(403).last(),
	"POST /api/v1/admin/blocks/:id/purge":    moderators().denies(403),
	"GET /api/v1/admin/signup-protection":    moderators().denies(403),
	"PUT /api/v1/admin/signup-protection":    only("mei").denies(403).with(`{"approval":true,"question":"Which bakery?","answers":["Old Li's"]}`),
	"GET /api/v1/admin/signups":              moderators().denies(403),
	"POST /api/v1/admin/signups/:id/:action": moderators().denies(403).at("/api/v1/admin/signups/{signup}/approve"),

	// The fediverse: ActivityPub documents are public; following and
	// writing elsewhere need an account.
	"GET /.well-known/webfinger":   public().at("/.well-known/webfinger?resource=acct:ajie@{host}"),
	"GET /.well-known/host-meta":   public(),
	"GET /.well-known/nodeinfo":    public(),
	"GET /nodeinfo/2.1":            public(),
	"GET /activities/:token":       public(),
	"GET /market":                  public(),
	"GET /market/outbox":           public(),
	"GET /market/followers":        public(),
	"GET /market/following":        public(),
	"GET /actor":                   public(),
	"GET /actor/outbox":            public(),
	"GET /actor/followers":         public(),
	"GET /actor/following":         public(),
	"GET /users/:name":             public(),
	"GET /users/:name/outbox":      public(),
	"GET /users/:name/followers":   public(),
	"GET /users/:name/following":   public(),
	"GET /stalls/:id/outbox":       public(),
	"GET /stalls/:id/followers":    public(),
	"GET /stalls/:id/following":    public(),
	"GET /messages/:id":            public(), // only public messages are served; the private M is 404 to all
	"GET /agreements/:token":       public(), // an FEP-0837 Agreement, to GETs signed by its parties' servers only: 404 to every browser
	"GET /api/v1/follows":          signedIn(),
	"POST /api/v1/follows":         signedIn().with(`{"acct":"nobody@127.0.0.1:1"}`),
	"DELETE /api/v1/follows/:id":   only("ajie").denies(404),
	"GET /api/v1/timeline":         signedIn(),
	"POST /api/v1/remote/replies":  signedIn().with(`{"in_reply_to":"http://127.0.0.1:1/notes/1","body":"Still there?"}`),
	"POST /api/v1/remote/messages": signedIn().with(`{"to":"nobody@127.0.0.1:1","body":"Hello"}`),

	// Ecosystem (issue 16): setup, feeds, calendars, the app, push.
	"GET /setup":                          only("mei").denies(403), // with an organiser, only they; before, the setup link's token
	"POST /setup":                         only("mei").denies(403).with("name_en=Our+market&timezone=UTC"),
	"POST /admin/alleys/:id":              only("mei").denies(403).at("/admin/alleys/{alley}").with("name_en=Old+things&colour=%23aa5533"),
	"GET /feeds/alleys/:slug/:format":     public().at("/feeds/alleys/vintage/atom"),
	"GET /feeds/items/all/:format":        public().at("/feeds/items/all/rss"),
	"GET /feeds/stalls/:id/:format":       public().at("/feeds/stalls/{stall}/atom"),
	"GET /calendars/:file":                public().at("/calendars/nosuchtoken.ics"), // the file name is the secret: 404 for a wrong one
	"GET /account/app":                    signedIn(),
	"POST /account/app/calendar":          signedIn(),
	"POST /api/v1/push/subscriptions":     signedIn().with(`{"endpoint":"https://push.example/x","keys":{"p256dh":"x","auth":"y"}}`),
	"DELETE /api/v1/push/subscriptions":   signedIn().with(`{"endpoint":"https://push.example/x"}`),
	"POST /push/subscriptions/:id/delete": only("ajie").denies(404).at("/push/subscriptions/999/delete"), // someone else's device is not there
	"GET /manifest.webmanifest":           public(),
	"GET /offline":                        public(),
	"GET /sw.js":                          public(),

	// Federation conformance (issue 11): the market's rules and contact, tags,
	// pinned items, content warnings, reports from and to other servers.
	"GET /api/v1/instance":                    public(),
	"GET /api/v2/instance":                    public(),
	"POST /admin/instance":                    only("mei").denies(403).with("rules=Be+kind&contact_email=mei%40example.org"),
	"GET /api/v1/admin/instance":              only("mei").denies(403),
	"PUT /api/v1/admin/instance":              only("mei").denies(403).with(`{"rules":["Be kind"],"contact_email":"mei@example.org"}`),
	"GET /tags/:name":                         public(),
	"GET /api/v1/tags/:name":                  public(),
	"GET /stalls/:id/featured":                public(),
	"GET /stalls/:id/avatar.png":              public(),
	"GET /api/v1/stalls/:id/pinned":           public(),
	"POST /items/:id/pin":                     editors().denies(403),
	"POST /api/v1/items/:id/pin":              editors().denies(403),
	"DELETE /api/v1/items/:id/pin":            editors().denies(403),
	"POST /items/:id/content-warning":         editors().denies(403).with("warning=Sharp+edges"),
	"PUT /api/v1/items/:id/content-warning":   editors().denies(403).with(`{"warning":"Sharp edges"}`),
	"POST /reports/:id/forward":               moderators().denies(403), // R is about a message from here: 422 for moderators
	"POST /api/v1/reports/:id/forward":        moderators().denies(403),
	"GET /api/v1/reports/remote":              moderators().denies(403),
	"POST /reports/remote/:id/resolve":        moderators().denies(403).at("/reports/remote/999/resolve").with("action=dismiss"),
	"POST /api/v1/reports/remote/:id/resolve": moderators().denies(403).at("/api/v1/reports/remote/999/resolve").with(`{"action":"dismiss"}`),

	// The API's answer to anything else: 404 for everyone.
	"* /api/v1/*": public().at("/api/v1/no-such-thing"),
}
