//! An approver's consent on the spot: a void or a waiver needs a second person, who types their
//! password at the cashier's desk (the page) or in the request (the API).

use crate::access::Act;
use crate::app::AppStore;
use crate::http::error::{HttpError, HttpResult};
use crate::http::extract::Caller;
use crate::http::{App, Scope};

/// The approver's username, when their password is right and their role and scope allow it.
pub async fn approve<S: AppStore>(app: &App<S>, caller: &Caller, scope: &Scope, username: &str, password: &str) -> HttpResult<String> {
    let key = format!("login:{}", username.trim());
    if let Err(wait) = app.limits.login_account.check(&key) {
        return Err(HttpError::too_many(wait.as_secs()));
    }
    let approver = match app.access.authenticate(username, password).await {
        Ok(u) => u,
        Err(e) => {
            app.limits.login_account.failed(&key);
            app.audit(caller, Some(scope.community.id), "approve.failed", username).await;
            return Err(HttpError::invalid("批准人", e.to_string()));
        }
    };
    if approver.username == caller.username() {
        return Err(HttpError::invalid("批准人", "批准人不能是收款人本人"));
    }
    if !approver.may(Act::Approve) || !approver.reaches(&scope.community, &scope.street) {
        return Err(HttpError::invalid("批准人", format!("{} 无权批准本社区的作废或减免", approver.username)));
    }
    Ok(approver.username)
}
