package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// Reports across servers (issue 11): reports other servers sent (Flags),
// shown on the moderation page with the server each came from, and local
// reports about a message from elsewhere forwarded to its server.

// resolveRemoteReportPage: POST /reports/remote/ID/resolve (dismiss|remove).
func (s *Server) resolveRemoteReportPage(c echo.Context) error {
	id, err := pathID(c, "report")
	if err != nil {
		return err
	}
	if err := s.app.ResolveRemoteReport(c.Request().Context(), account(c), id, c.FormValue("action")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/moderation#remote-reports")
}

// forwardReportPage: POST /reports/ID/forward.
func (s *Server) forwardReportPage(c echo.Context) error {
	id, err := pathID(c, "report")
	if err != nil {
		return err
	}
	if _, err := s.app.ForwardReport(c.Request().Context(), account(c), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/moderation?forwarded=1")
}

// apiRemoteReports: GET /api/v1/reports/remote.
func (s *Server) apiRemoteReports(c echo.Context) error {
	rs, err := s.app.RemoteReports(c.Request().Context(), account(c))
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(rs))
	for _, r := range rs {
		out = append(out, map[string]any{"id": r.ID, "server": r.Server, "actor": r.Actor, "reason": r.Reason, "objects": r.Objects,
			"stall": r.Stall, "item": r.Item, "message": r.Message, "account": r.AccountName, "created_at": r.CreatedAt})
	}
	return c.JSON(http.StatusOK, map[string]any{"reports": out})
}

// apiResolveRemoteReport: POST /api/v1/reports/remote/ID/resolve {"action"}.
func (s *Server) apiResolveRemoteReport(c echo.Context) error {
	return resolveReport(c, s.app.ResolveRemoteReport)
}

// apiForwardReport: POST /api/v1/reports/ID/forward → {"server"}.
func (s *Server) apiForwardReport(c echo.Context) error {
	id, err := pathID(c, "report")
	if err != nil {
		return err
	}
	server, err := s.app.ForwardReport(c.Request().Context(), account(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"server": server})
}
