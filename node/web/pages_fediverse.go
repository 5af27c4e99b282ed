package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

// moderationData is the moderation page: reports, and the blocks of other
// servers and accounts with the form to add one (kept as typed when it is
// refused).
type moderationData struct {
	Reports       []*node.Report
	RemoteReports []*node.RemoteReport // from other servers
	Forwarded     bool
	Federates     bool
	Blocks        []*node.Block
	Block         app.BlockInput
	BlockError    string
	Signups       []*node.PendingAccount // waiting for approval (docs/trust.md)
}

func (s *Server) moderationPage(c echo.Context) error {
	return s.renderModeration(c, http.StatusOK, moderationData{})
}

func (s *Server) renderModeration(c echo.Context, status int, d moderationData) error {
	ctx := c.Request().Context()
	var err error
	if d.Reports, err = s.app.Reports(ctx, account(c)); err != nil {
		return err
	}
	if d.Signups, err = s.app.PendingAccounts(ctx, account(c)); err != nil { // docs/trust.md
		return err
	}
	if d.RemoteReports, err = s.app.RemoteReports(ctx, account(c)); err != nil {
		return err
	}
	d.Forwarded = c.QueryParam("forwarded") == "1"
	switch d.Blocks, err = s.app.FedBlocks(ctx, account(c)); node.ErrorCode(err) {
	case "":
		d.Federates = true
	case node.EUNSUPPORTED:
	default:
		return err
	}
	return s.render(c, status, "moderation", "mod.title", d)
}

// addFedBlockPage: POST /admin/fed-blocks (domain or account, reason, purge).
func (s *Server) addFedBlockPage(c echo.Context) error {
	in := app.BlockInput{Reason: c.FormValue("reason"), Purge: c.FormValue("purge") == "1"}
	if c.FormValue("kind") == node.BlockAccount {
		in.Account = c.FormValue("target")
	} else {
		in.Domain = c.FormValue("target")
	}
	if _, err := s.app.AddFedBlock(c.Request().Context(), account(c), in); err != nil {
		status, msg := s.explain(c, err)
		if status >= 500 || status == http.StatusForbidden || status == http.StatusUnauthorized {
			return err
		}
		return s.renderModeration(c, status, moderationData{Block: in, BlockError: msg})
	}
	return c.Redirect(http.StatusSeeOther, "/moderation#blocks")
}

// fedBlockActionPage: POST /admin/fed-blocks/ID/(unblock|purge).
func (s *Server) fedBlockActionPage(c echo.Context) error {
	id, err := pathID(c, "block")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	switch c.Param("action") {
	case "unblock":
		err = s.app.RemoveFedBlock(ctx, account(c), id)
	case "purge":
		_, err = s.app.PurgeFedBlock(ctx, account(c), id)
	default:
		return node.Errorf(node.ENOTFOUND, "There is no such action.")
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/moderation#blocks")
}

// followRequestsPage: GET /follow-requests, the follows waiting at the
// stalls the account holds.
func (s *Server) followRequestsPage(c echo.Context) error {
	frs, err := s.app.FollowRequests(c.Request().Context(), account(c))
	if node.ErrorCode(err) == node.EUNSUPPORTED {
		frs, err = nil, nil
	}
	if err != nil {
		return err
	}
	names := map[node.StallID]string{}
	for _, fr := range frs {
		if _, ok := names[fr.Stall]; !ok {
			if st, err := s.app.DB.Stall(c.Request().Context(), fr.Stall); err == nil {
				names[fr.Stall] = st.Name
			}
		}
	}
	return s.render(c, http.StatusOK, "follow_requests", "follow.requests", map[string]any{"Requests": frs, "Stalls": names})
}

// answerFollowRequestPage: POST /follow-requests/ID/(accept|reject).
func (s *Server) answerFollowRequestPage(c echo.Context) error {
	id, err := pathID(c, "follow request")
	if err != nil {
		return err
	}
	ok, err := acceptOrReject(c)
	if err != nil {
		return err
	}
	if err := s.app.AnswerFollowRequest(c.Request().Context(), account(c), id, ok); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/follow-requests")
}

// acceptOrReject reads the :action of a follow request's answer.
func acceptOrReject(c echo.Context) (bool, error) {
	switch c.Param("action") {
	case "accept":
		return true, nil
	case "reject":
		return false, nil
	}
	return false, node.Errorf(node.ENOTFOUND, "There is no such action (use accept or reject).")
}
