//! Who may do what (issue 11): users with roles, scoped to communities; their passwords, server
//! sessions and API tokens; the per-household access codes residents use; and the audit log of
//! every write. The rules are pure (`Role`, `User::reaches`, `User::may`); `store` holds the SQL
//! and `secret` the hashing. The HTTP layer asks this wing and decides nothing itself.

pub mod audit;
pub mod limiter;
pub mod secret;
pub mod store;
pub mod versions;

use chrono::{DateTime, Duration, Utc};

use crate::domain::ids::{CommunityId, HouseholdId, UserId};
use crate::error::{Error, Result};
use crate::ledger::rows::CommunityRow;
use crate::store::Tx;
use store::{AccessStore, AccessTx, NewUserRow, UserRow};

pub use audit::{AuditEntry, AuditFilter, AuditRow};

/// How long a session lasts from login; a session is never extended past it.
pub const SESSION_HOURS: i64 = 12;

/// A role (角色). A user may hold several; what each allows is `User::may`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 系统管理员: users, roles, communities, the audit log.
    Admin,
    /// 会计（制单）: vouchers, billing, period close, reports, imports.
    Accountant,
    /// 审核: reviews and posts vouchers; reads reports.
    Reviewer,
    /// 出纳: payments, receipts, the day's takings.
    Cashier,
    /// 街道财政所: reads every community of its street.
    FinanceOffice,
    /// 审计: reads everything in its scope, the audit log too; writes nothing.
    Auditor,
}

pub const ROLES: [Role; 6] = [Role::Admin, Role::Accountant, Role::Reviewer, Role::Cashier, Role::FinanceOffice, Role::Auditor];

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        ROLES.into_iter().find(|r| r.as_str() == text.trim() || r.label() == text.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Accountant => "accountant",
            Role::Reviewer => "reviewer",
            Role::Cashier => "cashier",
            Role::FinanceOffice => "finance_office",
            Role::Auditor => "auditor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Accountant => "会计",
            Role::Reviewer => "审核",
            Role::Cashier => "出纳",
            Role::FinanceOffice => "街道财政所",
            Role::Auditor => "审计",
        }
    }
}

crate::store::text_enum!(Role);

/// What a request wants to do, checked against the user's roles by `User::may`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Act {
    /// Read a community's figures and reports.
    Read,
    /// Read its households: names, rooms, phones, bills, receipts and arrears, household by
    /// household. The community's staff do; the street finance office, which oversees the
    /// community's figures, subsidies and reconciliations, does not need them and may not.
    ReadHouseholds,
    /// Take a payment, print or void a receipt (a void also needs an approver).
    Collect,
    /// Enter, edit and reverse vouchers; bill; import; close periods.
    Keep,
    /// Review and post vouchers.
    Review,
    /// Approve a void, a waiver or a billing reversal that someone else asked for.
    Approve,
    /// Manage users and communities.
    Administer,
    /// Read the audit log.
    ReadAudit,
    /// Record the street finance office's disbursements of subsidies (拨付).
    Disburse,
    /// Make a subsidy reconciliation (对账): either side.
    Reconcile,
    /// Sign a reconciliation for the company (an accountant or a reviewer).
    SignForCompany,
    /// Sign a reconciliation for the finance office of the community's street.
    SignForOffice,
}

impl Act {
    /// Acts of the street finance office: only a finance-office user of the community's own
    /// street does them (an admin, who reaches every community, does not).
    fn of_the_office(self) -> bool {
        matches!(self, Act::Disburse | Act::SignForOffice)
    }
}

impl Act {
    /// What the act is, for an error that says a role cannot do it.
    pub fn label(self) -> &'static str {
        match self {
            Act::Read => "查看本社区",
            Act::ReadHouseholds => "查看住户、账单和收据",
            Act::Collect => "收款或作废收据",
            Act::Keep => "制单、计费或结账",
            Act::Review => "审核或记账",
            Act::Approve => "批准作废、减免或冲销计费",
            Act::Administer => "管理用户",
            Act::ReadAudit => "查看审计日志",
            Act::Disburse => "登记补贴拨付",
            Act::Reconcile => "生成补贴对账单",
            Act::SignForCompany => "代表物业公司在对账单上签字",
            Act::SignForOffice => "代表街道财政所在对账单上签字",
        }
    }
}

/// A user as the rules see it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub street: String,
    pub roles: Vec<Role>,
    pub communities: Vec<CommunityId>,
    pub disabled: bool,
    pub can_log_in: bool,
}

impl User {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether the user's roles allow `act` at all (in some community).
    pub fn may(&self, act: Act) -> bool {
        use Role::*;
        self.roles.iter().any(|role| match act {
            Act::Read => true,
            Act::ReadHouseholds => *role != FinanceOffice,
            Act::Collect => *role == Cashier,
            Act::Keep => *role == Accountant,
            Act::Review => *role == Reviewer,
            Act::Approve => matches!(role, Reviewer | Accountant | Admin),
            Act::Administer => *role == Admin,
            Act::ReadAudit => matches!(role, Admin | Auditor),
            Act::Disburse | Act::SignForOffice => *role == FinanceOffice,
            Act::Reconcile => matches!(role, Accountant | Reviewer | FinanceOffice),
            Act::SignForCompany => matches!(role, Accountant | Reviewer),
        })
    }

    /// Whether the user works in `community`: an admin in every one, a finance office in every
    /// community of its street, anyone in the communities they were given.
    pub fn reaches(&self, community: &CommunityRow, street: &str) -> bool {
        self.has(Role::Admin)
            || self.communities.contains(&community.id)
            || (self.has(Role::FinanceOffice) && !self.street.is_empty() && self.street == street)
    }
}

/// A user to add.
#[derive(Clone, Debug)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub roles: &'a [Role],
    pub communities: &'a [CommunityId],
    pub street: &'a str,
    pub password: Option<&'a str>,
}

/// A signed-in session: whose, and the token every form of it must carry.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}

/// The access wing's operations over one store.
#[derive(Clone)]
pub struct Access<S: AccessStore> {
    store: S,
}

/// Roles given to a user, new or old: at least one, and a finance office needs its street.
fn check_grant(roles: &[Role], street: &str) -> Result<()> {
    if roles.is_empty() {
        return Err(Error::invalid("角色", "至少须有一个角色"));
    }
    if roles.contains(&Role::FinanceOffice) && street.trim().is_empty() {
        return Err(Error::invalid("街道", "街道财政所的用户须指明所属街道（--street）"));
    }
    Ok(())
}

fn check_username(name: &str) -> Result<&str> {
    let name = name.trim();
    let ok = !name.is_empty() && name.chars().count() <= 50 && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !ok {
        return Err(Error::invalid("用户名", format!("“{name}”不可用：须为1至50个字母、数字、汉字或 _ - .")));
    }
    Ok(name)
}

/// A password must be long enough to resist guessing at the limited rate allowed.
pub fn check_password(password: &str) -> Result<&str> {
    let chars = password.chars().count();
    if !(10..=200).contains(&chars) {
        return Err(Error::invalid("密码", "须为10至200个字符"));
    }
    Ok(password)
}

impl<S: AccessStore> Access<S> {
    pub fn new(store: S) -> Access<S> {
        Access { store }
    }

    pub async fn add_user(&self, new: &NewUser<'_>) -> Result<User> {
        let username = check_username(new.username)?;
        let display_name = new.display_name.trim();
        if display_name.is_empty() || display_name.chars().count() > 50 {
            return Err(Error::invalid("姓名", "须填写，最多50个字"));
        }
        check_grant(new.roles, new.street)?;
        let password_hash = match new.password {
            Some(p) => Some(secret::hash_password(check_password(p)?)?),
            None => None,
        };
        let mut tx = self.store.begin().await?;
        if tx.user_by_name(username).await?.is_some() {
            return Err(Error::Conflict(format!("用户名 {username} 已存在")));
        }
        let row = NewUserRow { username, display_name, street: new.street.trim(), password_hash: password_hash.as_deref() };
        let id = tx.insert_user(&row, Utc::now()).await?;
        tx.set_roles(id, new.roles).await?;
        for c in new.communities {
            tx.add_user_community(id, *c).await?;
        }
        let row = tx_user(&mut tx, id).await?;
        let user = load_user(&mut tx, row).await?;
        versions::record(&mut tx, Utc::now()).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let mut tx = self.store.read().await?;
        let mut users = Vec::new();
        for row in tx.users().await? {
            users.push(load_user(&mut tx, row).await?);
        }
        Ok(users)
    }

    /// Whether the program may act for `user` (`versions::stands`).
    pub async fn stands(&self, user: &User) -> Result<bool> {
        versions::stands(&mut self.store.read().await?, user).await
    }

    pub async fn user(&self, username: &str) -> Result<User> {
        let mut tx = self.store.read().await?;
        let row = tx.user_by_name(username.trim()).await?.ok_or_else(|| Error::not_found(format!("用户 {}", username.trim())))?;
        load_user(&mut tx, row).await
    }

    /// The user named on the command line (`--user`, `--cashier`, `--approver`) to do `act` in
    /// `community`: a user who exists, is not disabled, holds a role that allows the act and
    /// works in the community. `field` names the option in the error.
    pub async fn actor(&self, field: &str, username: &str, community: &CommunityRow, act: Act) -> Result<User> {
        let user = match self.user(username).await {
            Ok(user) => user,
            Err(Error::NotFound { .. }) => {
                return Err(Error::invalid(field, format!("“{}”不是本系统的用户（先用 mingzhang user add 添加）", username.trim())))
            }
            Err(e) => return Err(e),
        };
        if user.disabled {
            return Err(Error::invalid(field, format!("用户 {} 已停用", user.username)));
        }
        if !self.stands(&user).await? {
            return Err(versions::refusal(field, &user));
        }
        if !user.may(act) {
            return Err(Error::invalid(field, format!("用户 {} 的角色不能{}", user.username, act.label())));
        }
        let street = self.street_of(community.id).await?;
        if act.of_the_office() && (street.is_empty() || user.street != street) {
            let street = if street.is_empty() { "（未设定街道）".to_string() } else { street };
            return Err(Error::invalid(
                field,
                format!("用户 {} 不是社区 {} 所在街道 {street} 的财政所用户", user.username, community.name),
            ));
        }
        if !user.reaches(community, &street) {
            return Err(Error::invalid(field, format!("用户 {} 不在社区 {} 工作", user.username, community.name)));
        }
        Ok(user)
    }

    /// Lets a user work in one more community.
    pub async fn add_to_community(&self, username: &str, community: CommunityId) -> Result<()> {
        let mut tx = self.store.begin().await?;
        let row = tx.user_by_name(username.trim()).await?.ok_or_else(|| Error::not_found(format!("用户 {}", username.trim())))?;
        tx.add_user_community(row.id, community).await?;
        versions::record(&mut tx, Utc::now()).await?;
        tx.commit().await
    }

    /// Replaces a user's roles and communities (the admin's page and `user grant`). A finance
    /// office needs its street; 系统, which makes the generated vouchers, gets nothing.
    pub async fn set_access(&self, username: &str, roles: &[Role], communities: &[CommunityId], street: &str) -> Result<User> {
        check_grant(roles, street)?;
        if username.trim() == crate::ledger::SYSTEM_MAKER {
            return Err(Error::invalid("用户名", "“系统”只制作系统生成的凭证，不能授予角色"));
        }
        let mut tx = self.store.begin().await?;
        let row = tx.user_by_name(username.trim()).await?.ok_or_else(|| Error::not_found(format!("用户 {}", username.trim())))?;
        tx.set_roles(row.id, roles).await?;
        tx.clear_user_communities(row.id).await?;
        for c in communities {
            tx.add_user_community(row.id, *c).await?;
        }
        tx.set_user_street(row.id, street.trim()).await?;
        let row = tx_user(&mut tx, row.id).await?;
        let user = load_user(&mut tx, row).await?;
        versions::record(&mut tx, Utc::now()).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Disables a user and ends every session and token of theirs at once.
    pub async fn disable(&self, username: &str) -> Result<User> {
        let mut tx = self.store.begin().await?;
        let row = tx.user_by_name(username.trim()).await?.ok_or_else(|| Error::not_found(format!("用户 {}", username.trim())))?;
        let now = Utc::now();
        tx.disable_user(row.id, now).await?;
        tx.end_sessions_of(row.id, now).await?;
        tx.revoke_tokens_of(row.id, now).await?;
        let row = tx_user(&mut tx, row.id).await?;
        let user = load_user(&mut tx, row).await?;
        versions::record(&mut tx, now).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Sets a new password; the user's sessions end, so a stolen session dies with the old one.
    pub async fn set_password(&self, username: &str, password: &str) -> Result<()> {
        let hash = secret::hash_password(check_password(password)?)?;
        let mut tx = self.store.begin().await?;
        let row = tx.user_by_name(username.trim()).await?.ok_or_else(|| Error::not_found(format!("用户 {}", username.trim())))?;
        tx.set_password_hash(row.id, &hash).await?;
        tx.end_sessions_of(row.id, Utc::now()).await?;
        tx.commit().await
    }

    /// The user whose name and password these are, or the one refusal for every wrong case
    /// (unknown name, wrong password, disabled, no password), so a caller learns nothing
    /// about which accounts exist. A miss still costs one hash, for the same reason.
    pub async fn authenticate(&self, username: &str, password: &str) -> Result<User> {
        let refused = || Error::invalid("密码", "用户名或密码不正确");
        let mut tx = self.store.read().await?;
        let row = tx.user_by_name(username.trim()).await?;
        let Some(row) = row else {
            secret::burn_one_hash(password);
            return Err(refused());
        };
        let hash = row.password_hash.clone().unwrap_or_default();
        let ok = secret::verify_password(password, &hash) && row.disabled_at.is_none();
        if !ok {
            return Err(refused());
        }
        load_user(&mut tx, row).await
    }

    /// Starts a session for `user`: returns the id for its cookie (stored only hashed).
    pub async fn start_session(&self, user: &User, address: &str) -> Result<(String, Session)> {
        let id = secret::random_token();
        let csrf_token = secret::random_token();
        let now = Utc::now();
        let expires_at = now + Duration::hours(SESSION_HOURS);
        let mut tx = self.store.begin().await?;
        tx.insert_session(&secret::sha256_hex(&id), user.id, &csrf_token, address, now, expires_at).await?;
        tx.commit().await?;
        Ok((id, Session { user: user.clone(), csrf_token, expires_at }))
    }

    /// The live session whose cookie is `id`: not ended, not expired, its user not disabled.
    pub async fn session(&self, id: &str) -> Result<Option<Session>> {
        let mut tx = self.store.read().await?;
        let Some((user_id, csrf_token, expires_at)) = tx.live_session(&secret::sha256_hex(id), Utc::now()).await? else {
            return Ok(None);
        };
        let Some(user) = signed_in(&mut tx, user_id).await? else { return Ok(None) };
        Ok(Some(Session { user, csrf_token, expires_at }))
    }

    /// Ends the session on the server: its cookie no longer opens anything.
    pub async fn end_session(&self, id: &str) -> Result<()> {
        let mut tx = self.store.begin().await?;
        tx.end_session(&secret::sha256_hex(id), Utc::now()).await?;
        tx.commit().await
    }

    /// A new API token for `username` (shown once; stored hashed).
    pub async fn add_token(&self, username: &str, label: &str) -> Result<String> {
        let label = label.trim();
        if label.is_empty() || label.chars().count() > 50 {
            return Err(Error::invalid("用途", "须填写，最多50个字"));
        }
        let token = format!("mz_{}", secret::random_token());
        let mut tx = self.store.begin().await?;
        let row = tx.user_by_name(username.trim()).await?.ok_or_else(|| Error::not_found(format!("用户 {}", username.trim())))?;
        tx.insert_token(row.id, label, &secret::sha256_hex(&token), Utc::now()).await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The user of a live API token.
    pub async fn token_user(&self, token: &str) -> Result<Option<User>> {
        let mut tx = self.store.read().await?;
        let Some(user_id) = tx.token_user(&secret::sha256_hex(token)).await? else { return Ok(None) };
        signed_in(&mut tx, user_id).await
    }

    /// The access code for a receipt or notice being printed: a new code when the household has
    /// none yet (to be printed in full on this paper), or None when it has one (the paper says
    /// it was given before). Codes are stored hashed, so only the paper made with the code can
    /// carry it.
    pub async fn code_for_paper(&self, community_id: CommunityId, household_id: HouseholdId) -> Result<Option<String>> {
        if self.has_household_code(community_id, household_id).await? {
            return Ok(None);
        }
        self.issue_household_code(community_id, household_id).await.map(Some)
    }

    /// The new codes of those of `households` that have none yet, to print on the papers made
    /// for them now (a batch of dunning notices): by household.
    pub async fn codes_for_paper(
        &self,
        community_id: CommunityId,
        households: &[HouseholdId],
    ) -> Result<std::collections::HashMap<HouseholdId, String>> {
        let mut codes = std::collections::HashMap::new();
        for h in households {
            if let Some(code) = self.code_for_paper(community_id, *h).await? {
                codes.insert(*h, code);
            }
        }
        Ok(codes)
    }

    /// Issues (or reissues) a household's access code: returned once, to be printed; the
    /// previous code stops working.
    pub async fn issue_household_code(&self, community_id: CommunityId, household_id: HouseholdId) -> Result<String> {
        let code = secret::household_code();
        let hash = secret::hash_password(&secret::normalize_code(&code))?;
        let mut tx = self.store.begin().await?;
        tx.set_household_code(community_id, household_id, &hash, Utc::now()).await?;
        tx.commit().await?;
        Ok(code)
    }

    /// Whether `code` is the standing access code of this household (and of no other).
    pub async fn check_household_code(&self, community_id: CommunityId, household_id: HouseholdId, code: &str) -> Result<bool> {
        let mut tx = self.store.read().await?;
        let hash = tx.household_code(community_id, household_id).await?;
        let code = secret::normalize_code(code);
        Ok(match hash {
            Some(hash) => secret::verify_password(&code, &hash),
            None => {
                secret::burn_one_hash(&code);
                false
            }
        })
    }

    pub async fn has_household_code(&self, community_id: CommunityId, household_id: HouseholdId) -> Result<bool> {
        Ok(self.store.read().await?.household_code(community_id, household_id).await?.is_some())
    }

    /// The street a community belongs to, and setting it (admin).
    pub async fn set_street(&self, community_id: CommunityId, street: &str) -> Result<()> {
        let street = street.trim();
        if street.chars().count() > 100 {
            return Err(Error::invalid("街道", "最多100个字"));
        }
        let mut tx = self.store.begin().await?;
        tx.set_street(community_id, street).await?;
        tx.commit().await
    }

    pub async fn street_of(&self, community_id: CommunityId) -> Result<String> {
        self.store.read().await?.street_of(community_id).await
    }

    /// Every community with its street, by id, in one statement.
    pub async fn community_streets(&self) -> Result<Vec<(crate::ledger::rows::CommunityRow, String)>> {
        let rows = self.store.read().await?.community_streets().await?;
        Ok(rows.into_iter().map(|(id, name, street)| (crate::ledger::rows::CommunityRow { id, name }, street)).collect())
    }

    /// Appends one entry to the audit log, in its own transaction.
    pub async fn audit(&self, entry: &AuditEntry<'_>) -> Result<()> {
        let mut tx = self.store.begin().await?;
        tx.insert_audit(std::slice::from_ref(entry), Utc::now()).await?;
        tx.commit().await
    }

    pub async fn audit_log(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>> {
        self.store.read().await?.audit_rows(filter).await
    }
}

/// The user a live session or token opens: None when disabled, or when their access was
/// changed behind the program's back (`versions::stands`).
async fn signed_in<T: AccessTx>(tx: &mut T, user_id: UserId) -> Result<Option<User>> {
    let row = tx_user(tx, user_id).await?;
    if row.disabled_at.is_some() {
        return Ok(None);
    }
    let user = load_user(tx, row).await?;
    if !versions::stands(tx, &user).await? {
        tracing::error!(user = %user.username, "access differs from its last recorded version: refused");
        return Ok(None);
    }
    Ok(Some(user))
}

async fn tx_user<T: AccessTx>(tx: &mut T, id: UserId) -> Result<UserRow> {
    tx.user_by_id(id).await?.ok_or_else(|| Error::not_found(format!("用户 #{id}")))
}

pub(crate) async fn load_user<T: AccessTx>(tx: &mut T, row: UserRow) -> Result<User> {
    let roles = tx.roles_of(row.id).await?;
    let communities = tx.communities_of(row.id).await?;
    Ok(User {
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        street: row.street,
        roles,
        communities,
        disabled: row.disabled_at.is_some(),
        can_log_in: row.password_hash.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[Role], communities: &[i64], street: &str) -> User {
        User {
            id: UserId(1),
            username: "u".into(),
            display_name: "u".into(),
            street: street.into(),
            roles: roles.to_vec(),
            communities: communities.iter().map(|c| CommunityId(*c)).collect(),
            disabled: false,
            can_log_in: true,
        }
    }

    #[test]
    fn scope_follows_role_and_street() {
        let c1 = CommunityRow { id: CommunityId(1), name: "甲".into() };
        let c2 = CommunityRow { id: CommunityId(2), name: "乙".into() };
        let cashier = user(&[Role::Cashier], &[1], "");
        assert!(cashier.reaches(&c1, "东街") && !cashier.reaches(&c2, "东街"));
        let office = user(&[Role::FinanceOffice], &[], "东街");
        assert!(office.reaches(&c2, "东街") && !office.reaches(&c2, "西街") && !office.reaches(&c2, ""));
        assert!(user(&[Role::Admin], &[], "").reaches(&c2, ""));
    }

    #[test]
    fn acts_follow_roles() {
        let auditor = user(&[Role::Auditor], &[1], "");
        assert!(auditor.may(Act::Read) && auditor.may(Act::ReadAudit));
        assert!(!auditor.may(Act::Collect) && !auditor.may(Act::Keep) && !auditor.may(Act::Review) && !auditor.may(Act::Administer));
        let cashier = user(&[Role::Cashier], &[1], "");
        assert!(cashier.may(Act::Collect) && !cashier.may(Act::Keep) && !cashier.may(Act::ReadAudit));
        assert!(user(&[Role::Accountant, Role::Reviewer], &[1], "").may(Act::Review));
    }

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert!(check_username("cashier_1").is_ok());
        assert!(check_username("张三").is_ok());
        assert!(check_username("a b").is_err() && check_username("").is_err() && check_username("<x>").is_err());
        assert!(check_password("short").is_err() && check_password("long enough 1").is_ok());
    }
}
