package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shiji-market/shiji/node"
	"github.com/shiji-market/shiji/node/app"
)

type blockJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"` // domain or account
	Target    string     `json:"target"`
	Acct      string     `json:"acct,omitempty"`
	Reason    string     `json:"reason"`
	CreatedAt time.Time  `json:"created_at"`
	PurgedAt  *time.Time `json:"purged_at"`
}

func toBlockJSON(b *node.Block) blockJSON {
	return blockJSON{ID: b.ID, Kind: b.Kind, Target: b.Target, Acct: b.Acct, Reason: b.Reason, CreatedAt: b.CreatedAt, PurgedAt: b.PurgedAt}
}

// apiFedBlocks: GET /api/v1/admin/blocks lists the blocks; POST adds one
// ({"domain"} or {"account"}, "reason", "purge").
func (s *Server) apiFedBlocks(c echo.Context) error {
	ctx := c.Request().Context()
	if c.Request().Method == http.MethodGet {
		bs, err := s.app.FedBlocks(ctx, account(c))
		if err != nil {
			return err
		}
		out := make([]blockJSON, 0, len(bs))
		for _, b := range bs {
			out = append(out, toBlockJSON(b))
		}
		return c.JSON(http.StatusOK, map[string]any{"blocks": out})
	}
	var in struct {
		Domain  string `json:"domain"`
		Account string `json:"account"`
		Reason  string `json:"reason"`
		Purge   bool   `json:"purge"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	b, err := s.app.AddFedBlock(ctx, account(c), app.BlockInput{Domain: in.Domain, Account: in.Account, Reason: in.Reason, Purge: in.Purge})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toBlockJSON(b))
}

// apiFedBlock: DELETE /api/v1/admin/blocks/ID lifts a block; POST
// /api/v1/admin/blocks/ID/purge removes what the market kept from it.
func (s *Server) apiFedBlock(c echo.Context) error {
	id, err := pathID(c, "block")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if c.Request().Method == http.MethodDelete {
		if err := s.app.RemoveFedBlock(ctx, account(c), id); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
	b, err := s.app.PurgeFedBlock(ctx, account(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toBlockJSON(b))
}

// apiFollowRequests: GET /api/v1/follow-requests, the follows waiting at the
// account's stalls.
func (s *Server) apiFollowRequests(c echo.Context) error {
	frs, err := s.app.FollowRequests(c.Request().Context(), account(c))
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(frs))
	for _, fr := range frs {
		out = append(out, map[string]any{"id": fr.ID, "stall": fr.Stall, "actor": fr.Follower, "acct": fr.Acct,
			"name": fr.Name, "url": fr.URL, "created_at": fr.CreatedAt})
	}
	return c.JSON(http.StatusOK, map[string]any{"follow_requests": out})
}

// apiAnswerFollowRequest: POST /api/v1/follow-requests/ID/(accept|reject).
func (s *Server) apiAnswerFollowRequest(c echo.Context) error {
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
	return c.NoContent(http.StatusNoContent)
}
