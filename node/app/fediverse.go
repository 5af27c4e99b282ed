package app

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shiji-market/shiji/node"
)

// Fediverse is the part of the federation layer people here steer: the
// organiser's blocks and stallholders' follow requests. The Federator (when
// it is one) implements it; without federation these use cases answer
// EUNSUPPORTED.
type Fediverse interface {
	Blocks(ctx context.Context) ([]*node.Block, error)
	// Block stores a block of a domain (target a host name) or an account
	// (target an acct or actor URL, resolved to the actor), cuts the follows
	// both ways and drops what is queued for it; with purge, it also removes
	// what the market kept from it.
	Block(ctx context.Context, kind, target, reason string, by node.AccountID, purge bool) (*node.Block, error)
	Unblock(ctx context.Context, id int64) error
	Purge(ctx context.Context, id int64) (*node.Block, error)
	FollowRequests(ctx context.Context, stalls []node.StallID) ([]*node.FollowRequest, error)
	FollowRequest(ctx context.Context, id int64) (*node.FollowRequest, error)
	// AnswerFollowRequest accepts (moves to the followers, sends Accept) or
	// rejects (sends Reject) a follow request.
	AnswerFollowRequest(ctx context.Context, id int64, accept bool) error
	// AcceptWaiting accepts every follow request of the stall (errors are
	// logged: it must not fail the stallholder's change).
	AcceptWaiting(ctx context.Context, stall node.StallID)

	// Follow makes acc follow a remote actor by its address (name@host) or
	// actor URL; created is false when the follow existed.
	Follow(ctx context.Context, acc *node.Account, address string) (f *node.RemoteFollow, created bool, err error)
	Follows(ctx context.Context, acc node.AccountID) ([]*node.RemoteFollow, error)
	Unfollow(ctx context.Context, acc *node.Account, id int64) error
	// Timeline is the notes of the actors acc follows (and of those their
	// followed markets announce) published before before (zero: now), newest
	// first.
	Timeline(ctx context.Context, acc node.AccountID, before time.Time, limit int) ([]*node.RemoteNote, error)
	// Events is the coming market days of the markets acc follows elsewhere,
	// soonest first.
	Events(ctx context.Context, acc node.AccountID, limit int) ([]*node.RemoteEvent, error)
	// Ask writes a question (a public reply) on a note elsewhere, Write a
	// private message to an actor elsewhere; the answers land in acc's
	// conversation with them.
	Ask(ctx context.Context, acc *node.Account, note, body string) (*node.RemoteWrite, error)
	Write(ctx context.Context, acc *node.Account, to, body string) (*node.RemoteWrite, error)

	// RemoteReports lists the reports other servers sent (Flags), open ones
	// unless all; RemoteReport is one (ENOTFOUND); ResolveRemoteReport
	// closes one. ForwardReport sends a local report about a message from
	// elsewhere to its author's server and names that server.
	RemoteReports(ctx context.Context, all bool) ([]*node.RemoteReport, error)
	RemoteReport(ctx context.Context, id int64) (*node.RemoteReport, error)
	ResolveRemoteReport(ctx context.Context, id int64, by node.AccountID, action string) error
	ForwardReport(ctx context.Context, r *node.Report) (string, error)
}

// fediverse returns the federation layer's controls, or EUNSUPPORTED.
func (a *App) fediverse() (Fediverse, error) {
	if fv, ok := a.Fed.(Fediverse); ok {
		return fv, nil
	}
	return nil, node.Errorf(node.EUNSUPPORTED, "This node does not federate.")
}

// mayBlock: organisers and moderators keep the market's blocks.
func mayBlock(acc *node.Account) error {
	if acc == nil || !acc.Role.Moderates() {
		return node.Errorf(node.EFORBIDDEN, "Only the organiser and moderators block other servers.")
	}
	return nil
}

// FedBlocks lists the market's blocks, newest first.
func (a *App) FedBlocks(ctx context.Context, acc *node.Account) ([]*node.Block, error) {
	if err := mayBlock(acc); err != nil {
		return nil, err
	}
	fv, err := a.fediverse()
	if err != nil {
		return nil, err
	}
	return fv.Blocks(ctx)
}

// BlockInput is a new block: a domain or an account (acct or actor URL).
type BlockInput struct {
	Domain  string
	Account string
	Reason  string
	Purge   bool
}

// AddFedBlock blocks a server or an account elsewhere.
func (a *App) AddFedBlock(ctx context.Context, acc *node.Account, in BlockInput) (*node.Block, error) {
	if err := mayBlock(acc); err != nil {
		return nil, err
	}
	in.Domain, in.Account, in.Reason = strings.TrimSpace(in.Domain), strings.TrimSpace(in.Account), strings.TrimSpace(in.Reason)
	if utf8.RuneCountInString(in.Reason) > node.MaxBlockReasonLen {
		return nil, node.Errorf(node.EINVALID, "Keep the reason under %d characters.", node.MaxBlockReasonLen)
	}
	var kind, target string
	switch {
	case in.Domain != "" && in.Account != "":
		return nil, node.Errorf(node.EINVALID, "Block either a server or an account, not both at once.")
	case in.Domain != "":
		d, err := node.NormalizeDomain(in.Domain)
		if err != nil {
			return nil, err
		}
		kind, target = node.BlockDomain, d
	case in.Account != "":
		kind, target = node.BlockAccount, in.Account
	default:
		return nil, node.Errorf(node.EINVALID, "Say which server (such as social.example) or account (such as name@social.example) to block.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return nil, err
	}
	return fv.Block(ctx, kind, target, in.Reason, acc.ID, in.Purge)
}

// RemoveFedBlock lifts a block. What was purged stays gone; follows cut by the
// block are not restored.
func (a *App) RemoveFedBlock(ctx context.Context, acc *node.Account, id int64) error {
	if err := mayBlock(acc); err != nil {
		return err
	}
	fv, err := a.fediverse()
	if err != nil {
		return err
	}
	return fv.Unblock(ctx, id)
}

// PurgeFedBlock removes what the market kept from a blocked server or account.
func (a *App) PurgeFedBlock(ctx context.Context, acc *node.Account, id int64) (*node.Block, error) {
	if err := mayBlock(acc); err != nil {
		return nil, err
	}
	fv, err := a.fediverse()
	if err != nil {
		return nil, err
	}
	return fv.Purge(ctx, id)
}

// FollowRequests lists the follow requests waiting at the stalls acc holds.
func (a *App) FollowRequests(ctx context.Context, acc *node.Account) ([]*node.FollowRequest, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return nil, err
	}
	stalls, err := a.DB.StallIDsHeldBy(ctx, acc.ID)
	if err != nil || len(stalls) == 0 {
		return []*node.FollowRequest{}, err
	}
	return fv.FollowRequests(ctx, stalls)
}

// AnswerFollowRequest accepts or rejects a follow request of a stall acc
// holds.
func (a *App) AnswerFollowRequest(ctx context.Context, acc *node.Account, id int64, accept bool) error {
	fv, err := a.fediverse()
	if err != nil {
		return err
	}
	fr, err := fv.FollowRequest(ctx, id)
	if err != nil {
		return err
	}
	if _, err := a.EditableStall(ctx, acc, fr.Stall); err != nil {
		if node.ErrorCode(err) == node.EFORBIDDEN {
			return node.Errorf(node.ENOTFOUND, "There is no follow request %d.", id)
		}
		return err
	}
	return fv.AnswerFollowRequest(ctx, id, accept)
}

// acceptWaitingFollowers: a stall stopped approving followers by hand, so
// whoever waits is accepted (as Mastodon does when an account is unlocked).
func (a *App) acceptWaitingFollowers(ctx context.Context, s *node.Stall) {
	if fv, ok := a.Fed.(Fediverse); ok {
		fv.AcceptWaiting(context.WithoutCancel(ctx), s.ID)
	}
}

// FollowRemote makes acc follow a stall, market or person on another server
// by its address (stall-1@market.example) or actor URL.
func (a *App) FollowRemote(ctx context.Context, acc *node.Account, address string) (*node.RemoteFollow, bool, error) {
	if acc == nil {
		return nil, false, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return nil, false, err
	}
	return fv.Follow(ctx, acc, address)
}

// RemoteFollows lists acc's follows of actors elsewhere, newest first.
func (a *App) RemoteFollows(ctx context.Context, acc *node.Account) ([]*node.RemoteFollow, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return nil, err
	}
	return fv.Follows(ctx, acc.ID)
}

// UnfollowRemote stops one of acc's follows.
func (a *App) UnfollowRemote(ctx context.Context, acc *node.Account, id int64) error {
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return err
	}
	return fv.Unfollow(ctx, acc, id)
}

// WorldTimeline is acc's home timeline of the world market: what the stalls,
// markets and people it follows elsewhere show, newest first.
func (a *App) WorldTimeline(ctx context.Context, acc *node.Account, before time.Time, limit int) ([]*node.RemoteNote, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	if limit < 1 || limit > 100 {
		return nil, node.Errorf(node.EINVALID, "Show 1 to 100 notes at a time.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return nil, err
	}
	return fv.Timeline(ctx, acc.ID, before, limit)
}

// AskElsewhere asks about a note on another server (an item of another
// market): the question goes to its author, the answers land in acc's
// conversation about it.
func (a *App) AskElsewhere(ctx context.Context, acc *node.Account, note, body string) (*node.RemoteWrite, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return nil, err
	}
	return fv.Ask(ctx, acc, note, body)
}

// WriteElsewhere writes privately to a stall, market or person on another
// server, in acc's private conversation with them.
func (a *App) WriteElsewhere(ctx context.Context, acc *node.Account, to, body string) (*node.RemoteWrite, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return nil, err
	}
	return fv.Write(ctx, acc, to, body)
}

// WorldDays is the coming market days of the markets acc follows elsewhere.
func (a *App) WorldDays(ctx context.Context, acc *node.Account, limit int) ([]*node.RemoteEvent, error) {
	if acc == nil {
		return nil, node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	fv, err := a.fediverse()
	if err != nil {
		return nil, err
	}
	return fv.Events(ctx, acc.ID, limit)
}
