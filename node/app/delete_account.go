package app

import (
	"context"
	"database/sql"
	"log/slog"

	"github.com/shiji-market/shiji/data"
	"github.com/shiji-market/shiji/node"
)

// PhotoFiles removes photo files (the media store).
type PhotoFiles interface {
	Delete(node.Photo) error
}

// DeleteAccount deletes acc for good, once password proves it is them: see
// data.DeleteAccountTx for what is removed or anonymised. The stalls they
// held alone close; every server that knew them is sent a Delete of their
// Person and of those stalls' Organizations (in the same transaction, so
// either all of it happens or none). Then the photo files nothing uses any
// more are removed from files (nil: kept). Errors: EFORBIDDEN for a wrong
// password, ECONFLICT for the market's only organiser.
func (a *App) DeleteAccount(ctx context.Context, acc *node.Account, password string, files PhotoFiles, log *slog.Logger) error {
	if acc == nil {
		return node.Errorf(node.EUNAUTHORIZED, "Please log in first.")
	}
	hash, err := a.DB.PasswordHash(ctx, acc.ID)
	if err != nil {
		return err
	}
	if !CheckPassword(hash, password) {
		return node.Errorf(node.EFORBIDDEN, "The password is not right; nothing was deleted.")
	}
	if acc.Role == node.RoleOrganiser {
		n, err := a.DB.CountRole(ctx, node.RoleOrganiser)
		if err != nil {
			return err
		}
		if n <= 1 {
			return node.Errorf(node.ECONFLICT, "You are the market's only organiser: add another organiser first (shiji user add NAME --role organiser on the server), so that the market is not left without one.")
		}
	}
	var del *data.AccountDeletion
	err = a.DB.Write(ctx, func(tx *sql.Tx) error {
		closed, err := data.SoleStallsTx(ctx, tx, acc.ID)
		if err != nil {
			return err
		}
		if d, ok := a.Fed.(ActorDeleter); ok {
			if err := d.DeleteActorsTx(ctx, tx, acc, closed); err != nil {
				return err
			}
		}
		del, err = a.DB.DeleteAccountTx(ctx, tx, acc.ID, closed)
		return err
	})
	if err != nil {
		return err
	}
	if log == nil {
		log = slog.Default()
	}
	log.Info("account deleted by its owner", "account", acc.ID, "stalls_closed", len(del.Closed), "trades_cancelled", del.Trades,
		"photos_removed", len(del.Photos))
	if files != nil {
		for _, p := range del.Photos {
			if err := files.Delete(p); err != nil {
				log.Warn("deleted account: a photo file stays", "photo", p.Hash, "err", err)
			}
		}
	}
	return nil
}
