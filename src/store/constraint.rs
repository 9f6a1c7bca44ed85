//! Named database constraints as user errors, in one place (in the spirit of realworld-axum-sqlx's
//! `on_constraint`): a duplicate is a conflict naming the field, never "internal". PostgreSQL
//! reports the constraint's name; SQLite reports the table and columns of a UNIQUE constraint
//! ("UNIQUE constraint failed: bills.community_id, bills.household_id, …"), so each entry
//! names both.

use sqlx::error::ErrorKind;

/// A UNIQUE constraint of the schema (migrations/*/0006_community_keys.sql names them) and what
/// a user is told when a write breaks it.
struct Unique {
    /// The constraint's name on PostgreSQL.
    name: &'static str,
    /// The table and the columns that tell the constraint apart in SQLite's message.
    sqlite_columns: &'static [&'static str],
    field: &'static str,
    reason: &'static str,
}

const UNIQUE: &[Unique] = &[
    Unique { name: "communities_name_key", sqlite_columns: &["communities.name"], field: "社区名称", reason: "已有同名社区" },
    Unique { name: "books_code_key", sqlite_columns: &["books.code"], field: "账套编码", reason: "本社区已有此编码的账套" },
    Unique { name: "accounts_code_key", sqlite_columns: &["accounts.code"], field: "科目编码", reason: "账套中已有此科目" },
    Unique { name: "vouchers_number_key", sqlite_columns: &["vouchers.number"], field: "凭证号", reason: "本月已有此凭证号" },
    Unique {
        name: "vouchers_reverses_key",
        sqlite_columns: &["vouchers.reverses_id"],
        field: "红字冲销",
        reason: "该凭证已被冲销，一张凭证只能冲销一次",
    },
    Unique {
        name: "households_room_key", sqlite_columns: &["households.room"], field: "房号", reason: "已有同一楼栋、单元、房号的住户"
    },
    Unique {
        name: "fee_items_code_key", sqlite_columns: &["fee_items.code"], field: "收费项目编码", reason: "账套中已有此收费项目"
    },
    Unique {
        name: "meter_readings_month_key",
        sqlite_columns: &["meter_readings.household_id", "meter_readings.period"],
        field: "抄表读数",
        reason: "该住户此项目本月的读数已录入",
    },
    Unique { name: "bills_month_key", sqlite_columns: &["bills_month_key"], field: "账单", reason: "该住户此项目本月已计费" },
    Unique {
        name: "payments_key_key", sqlite_columns: &["payments.idempotency_key"], field: "幂等键", reason: "已被另一笔收款使用"
    },
    Unique {
        name: "payments_receipt_key", sqlite_columns: &["payments.receipt_number"], field: "收据号", reason: "收据号已被使用"
    },
    Unique {
        name: "payment_voids_payment_key", sqlite_columns: &["payment_voids.payment_id"], field: "收据", reason: "该收据已作废"
    },
    Unique {
        name: "subsidy_programs_document_key",
        sqlite_columns: &["subsidy_programs.document_no"],
        field: "文号",
        reason: "本社区已有此文号的补贴项目",
    },
    Unique {
        name: "subsidy_withdrawals_row_key", sqlite_columns: &["subsidy_withdrawals.row_id"], field: "撤回", reason: "该笔已撤回"
    },
    Unique {
        name: "subsidy_releases_month_key", sqlite_columns: &["subsidy_releases.period"], field: "结转", reason: "该项目本月已结转"
    },
    Unique {
        name: "fixed_assets_code_key",
        sqlite_columns: &["fixed_assets.code"],
        field: "卡片编号",
        reason: "本账套已有此编号的固定资产",
    },
    Unique {
        name: "asset_depreciation_runs_month_key",
        sqlite_columns: &["asset_depreciation_runs.period"],
        field: "计提折旧",
        reason: "该账套本月已计提折旧",
    },
    Unique {
        name: "asset_disposals_asset_key", sqlite_columns: &["asset_disposals.asset_id"], field: "处置", reason: "该资产已处置"
    },
    Unique {
        name: "expense_payments_expense_key",
        sqlite_columns: &["expense_payments.expense_id"],
        field: "付款",
        reason: "该笔支出已付款",
    },
    Unique {
        name: "public_revenue_splits_month_key",
        sqlite_columns: &["public_revenue_entries.period"],
        field: "公共收益分成",
        reason: "该月的公共收益已分成",
    },
    Unique {
        name: "public_revenue_rules_key",
        sqlite_columns: &["public_revenue_rules.from_on"],
        field: "分成规则",
        reason: "该日起已有一条分成规则",
    },
    Unique {
        name: "reconciliation_signoffs_side_key",
        sqlite_columns: &["reconciliation_signoffs.side"],
        field: "签字",
        reason: "该方已在此对账单上签字，每一方只签一次",
    },
];

/// The user's field and reason for a database error that breaks a named constraint, or None
/// for any other error (which stays a database error).
fn on_constraint(error: &sqlx::Error) -> Option<(&'static str, &'static str)> {
    let sqlx::Error::Database(db) = error else { return None };
    // Everyone a row records is a user (migrations/*/0020_people_are_users.sql): a foreign key
    // named `…_is_user` on PostgreSQL, a trigger whose message starts `person_is_user` on SQLite.
    if db.constraint().is_some_and(|c| c.ends_with("_is_user")) || db.message().contains("person_is_user") {
        return Some(("经办人", "不是本系统的用户（请先用 mingzhang user add 添加）"));
    }
    // A signed reconciliation is frozen (migrations/*/0021_subsidies.sql): a trigger's message
    // starts `reconciliation_frozen` on both engines.
    if db.message().contains("reconciliation_frozen") {
        return Some(("对账单", "已签字的对账单及其所含的拨付、到账、支出不能更改"));
    }
    match db.kind() {
        ErrorKind::UniqueViolation => {
            let message = db.message();
            UNIQUE
                .iter()
                .find(|u| db.constraint() == Some(u.name) || u.sqlite_columns.iter().all(|c| message.contains(c)))
                .map(|u| (u.field, u.reason))
                .or(Some(("记录", "与已有记录重复")))
        }
        ErrorKind::ForeignKeyViolation => Some(("引用", "引用的记录不存在或不属于本社区")),
        _ => None,
    }
}

/// Every database error passes here: one that breaks a named constraint becomes the user error
/// that names the field (`store::on_constraint`); any other stays a database error.
impl From<sqlx::Error> for crate::error::Error {
    fn from(e: sqlx::Error) -> crate::error::Error {
        match on_constraint(&e) {
            Some((field, reason)) => crate::error::Error::Constraint { field, reason },
            None => crate::error::Error::Database(e),
        }
    }
}
