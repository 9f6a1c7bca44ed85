//! The audit log: one row per write, made by whom, from where, under which request; the schema
//! refuses to change or remove a row (migration 0019).

use chrono::{DateTime, Utc};

use crate::domain::ids::{AuditId, CommunityId, UserId};

#[derive(Clone, Debug)]
pub struct AuditEntry<'a> {
    pub user_id: Option<UserId>,
    pub username: &'a str,
    pub community_id: Option<CommunityId>,
    /// A stable name: "payment", "voucher.review", "user.add", "login.failed" …
    pub action: &'a str,
    /// What was written, as a person reads it: "收据 No.000123", "记-0012".
    pub target: &'a str,
    pub address: &'a str,
    pub request_id: &'a str,
}

#[derive(Clone, Debug, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub username: String,
    pub community_id: Option<CommunityId>,
    pub action: String,
    pub target: String,
    pub address: String,
    pub request_id: String,
}

/// Which rows to read: all filters are optional and combine; newest first, at most `limit`.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct AuditFilter {
    pub community_id: Option<CommunityId>,
    pub username: Option<String>,
    pub action: Option<String>,
    pub limit: Option<i64>,
}

impl AuditFilter {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(200).clamp(1, 1000)
    }
}

/// An entry as stored with its place in its chain (`seq` and `hash` None: written before the
/// log was chained).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ChainedRow {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub user_id: Option<UserId>,
    pub username: String,
    pub community_id: Option<CommunityId>,
    pub action: String,
    pub target: String,
    pub address: String,
    pub request_id: String,
    pub seq: Option<i64>,
    pub hash: Option<String>,
}

/// The hash of an entry at `seq` after `prev` (pure): every field as stored, texts
/// length-prefixed, the time to the microsecond (what both engines keep).
#[allow(clippy::too_many_arguments)]
pub fn link(
    prev: &str,
    seq: i64,
    at: DateTime<Utc>,
    user_id: Option<UserId>,
    username: &str,
    community_id: Option<CommunityId>,
    texts: [&str; 4],
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(seq.to_le_bytes());
    h.update(at.timestamp_micros().to_le_bytes());
    h.update(user_id.map_or(-1, |u| u.0).to_le_bytes());
    h.update(community_id.map_or(-1, |c| c.0).to_le_bytes());
    for t in std::iter::once(username).chain(texts) {
        h.update((t.len() as u64).to_le_bytes());
        h.update(t.as_bytes());
    }
    hex::encode(h.finalize())
}

impl ChainedRow {
    /// This entry's hash after `prev`, recomputed.
    pub fn link_after(&self, prev: &str, seq: i64) -> String {
        link(
            prev,
            seq,
            self.at,
            self.user_id,
            &self.username,
            self.community_id,
            [&self.action, &self.target, &self.address, &self.request_id],
        )
    }
}

/// A chain's entries (one community's, or those of none) against their hashes and the head
/// kept (pure): what `verify` reports.
pub fn check_chain(rows: &[ChainedRow], head: (i64, &str)) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev = String::new();
    let mut expected = 1;
    let mut first_chained: Option<AuditId> = None;
    for r in rows {
        let Some(seq) = r.seq else {
            if let Some(first) = first_chained {
                out.push(format!(
                    "审计日志条目 #{}（{} {}）不在链上，而此前的条目 #{first} 已在链上：绕过程序写入",
                    r.id, r.username, r.action
                ));
            }
            continue;
        };
        first_chained = first_chained.or(Some(r.id));
        if seq != expected {
            out.push(format!("审计日志在第 {expected} 条处断开（下一条是第 {seq} 条）：条目被删除"));
        }
        let hash = r.link_after(&prev, seq);
        if r.hash.as_deref() != Some(hash.as_str()) {
            out.push(format!("审计日志第 {seq} 条（#{}，{} {}）与其哈希不符：条目被改动", r.id, r.username, r.action));
        }
        prev = r.hash.clone().unwrap_or_default();
        expected = seq + 1;
    }
    if head.0 != expected - 1 || head.1 != prev {
        out.push(format!("审计日志链头记录为第 {} 条，实有 {} 条且链头不符：链尾被删除或改写", head.0, expected - 1));
    }
    out
}

/// An audit entry's action as the audit page shows it, in Chinese (the code itself is what the
/// filter takes and the API returns).
pub fn action_label(action: &str) -> String {
    const LABELS: &[(&str, &str)] = &[
        ("approve.failed", "批准人口令错误"),
        ("billing.run", "计费"),
        ("budget", "设定预算"),
        ("community.street", "设定社区所属街道"),
        ("day.close", "日结"),
        ("disclosure.draft", "编制公示草稿"),
        ("disclosure.publish", "审核发布公示"),
        ("distribution", "收益分配"),
        ("distribution_pay", "发放收益分配"),
        ("expense", "登记支出"),
        ("expense_pay", "支付应付支出"),
        ("household.code", "发放住户查询码"),
        ("households.import", "导入住户"),
        ("login", "登录"),
        ("login.failed", "登录失败"),
        ("login.refused", "登录被拒（尝试过多）"),
        ("logout", "退出登录"),
        ("member_roster", "导入成员名册"),
        ("payment", "收款"),
        ("period.close", "结账"),
        ("profit_transfer", "利润上交"),
        ("public_revenue", "收取公共收益"),
        ("public_revenue_rule", "设定公共收益分成规则"),
        ("public_revenue_split", "公共收益分成"),
        ("public_revenue_use", "公共收益支出"),
        ("receipt.void", "作废收据"),
        ("reconcile", "生成对账单"),
        ("reconciliation_sign", "对账单签字"),
        ("subsidy_disburse", "登记补贴拨付"),
        ("subsidy_import", "导入拨付清单"),
        ("subsidy_program", "新建补贴项目"),
        ("subsidy_receive", "补贴到账"),
        ("subsidy_release", "递延收益转入"),
        ("subsidy_withdraw", "撤回补贴记录"),
        ("token", "生成 API 令牌"),
        ("user.add", "新增用户"),
        ("user.disable", "停用用户"),
        ("user.grant", "修改用户权限"),
        ("user.password", "重设密码"),
        ("voucher.draft", "制单"),
        ("year_end.draft", "生成年末结转凭证"),
    ];
    if let Some((_, label)) = LABELS.iter().find(|(code, _)| *code == action) {
        return label.to_string();
    }
    if let Some(words) = action.strip_prefix("cli.") {
        return format!("命令行：{}", words.replace('.', " "));
    }
    if let Some(act) = action.strip_prefix("voucher.") {
        return format!("凭证：{act}");
    }
    action.to_string()
}

#[cfg(test)]
mod label_tests {
    #[test]
    fn actions_read_in_chinese() {
        assert_eq!(super::action_label("period.close"), "结账");
        assert_eq!(super::action_label("cli.fee.standard"), "命令行：fee standard");
        assert_eq!(super::action_label("something.new"), "something.new");
    }
}
