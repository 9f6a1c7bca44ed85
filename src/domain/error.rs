//! The one error type of the core and storage layers. Messages are for the accountant who will
//! read them, so they are Chinese and name the field, the row and the rule; `code()` is the
//! stable machine-readable name used in logs and API responses.

use crate::domain::money::Fen;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{field}：{reason}")]
    Invalid { field: String, reason: String },

    #[error("第 {row} 行{}：{reason}", column_label(.column))]
    Csv { row: usize, column: String, reason: String },

    #[error("凭证借贷不平：借方合计 {debit}，贷方合计 {credit}（有借必有贷，借贷必相等）")]
    Unbalanced { debit: Fen, credit: Fen },

    #[error("凭证至少需要两条分录，现有 {count} 条")]
    TooFewLines { count: usize },

    #[error("第 {line} 条分录：科目 {code} 不存在")]
    UnknownAccount { line: usize, code: String },

    #[error("第 {line} 条分录：科目 {code}（{name}）不是末级科目，只能记到其下级科目")]
    NonLeafAccount { line: usize, code: String, name: String },

    #[error("第 {line} 条分录：{reason}")]
    BadLine { line: usize, reason: String },

    #[error("日期 {date} 所在的会计期间 {period} 已结账，不能再记账")]
    PeriodClosed { date: String, period: String },

    #[error("日期 {date} 不在账套的任何会计期间内（账套已开设的期间：{open_range}）")]
    NoPeriod { date: String, open_range: String },

    #[error("审核人不能是制单人本人（{user}）")]
    SelfReview { user: String },

    #[error("凭证 {voucher} 的状态是“{status}”，{rule}")]
    WrongStatus { voucher: String, status: String, rule: String },

    #[error("凭证 {voucher} 已被 {by} 冲销，一张凭证只能冲销一次")]
    AlreadyReversed { voucher: String, by: String },

    #[error("凭证 {voucher} 本身是冲销凭证，不能再冲销；如需更正请另做调整凭证")]
    ReversingReversal { voucher: String },

    #[error("期初余额不平：借方合计 {debit}，贷方合计 {credit}")]
    OpeningUnbalanced { debit: Fen, credit: Fen },

    #[error("未找到{what}")]
    NotFound { what: String },

    #[error("{0}")]
    Conflict(String),

    /// The work could not be done now (the database would not begin or commit, a service is
    /// down); nothing was written and the same request may be sent again.
    #[error("{0}")]
    Unavailable(String),

    /// A write that broke a named constraint (a duplicate, a dangling reference).
    #[error("{field}：{reason}")]
    Constraint { field: &'static str, reason: &'static str },

    #[error("{}", database_text(.0))]
    Database(sqlx::Error),

    #[error("数据库迁移失败：{0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// A file that could not be read or written where its name was not at hand; a command
    /// names the file (`cli::read_file`).
    #[error("文件读写失败：{}", io_reason(.0))]
    Io(#[from] std::io::Error),
}

/// Why a file could not be read or written, in words (the system's own are English).
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::NotFound => "文件不存在（路径写错了？）".into(),
        K::PermissionDenied => "没有读写此文件的权限".into(),
        K::IsADirectory => "这是文件夹，不是文件".into(),
        K::AlreadyExists => "文件已存在".into(),
        K::InvalidData => "内容不是 UTF-8 文本（Excel 请另存为“CSV UTF-8”）".into(),
        K::StorageFull => "磁盘已满".into(),
        K::ReadOnlyFilesystem => "所在的磁盘或文件夹只读".into(),
        K::NotADirectory => "路径中有一段不是文件夹".into(),
        _ => match e.raw_os_error() {
            Some(code) => format!("系统拒绝了读写（错误号 {code}）"),
            None => "系统拒绝了读写".into(),
        },
    }
}

/// A database failure in words. A connection lost or never made says so and what to do (the
/// driver's "expected to read 5 bytes" or "pool timed out" tell an accountant nothing); a
/// refusal by SQLite or PostgreSQL keeps its code for whoever must look it up.
fn database_text(e: &sqlx::Error) -> String {
    use sqlx::Error as E;
    match e {
        E::Io(_) | E::Protocol(_) | E::Tls(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed => {
            "与数据库的连接中断或无法建立：请检查数据库服务器是否在运行、网络是否畅通，然后重试（未提交的操作不会写入）".into()
        }
        E::Database(d) => match d.code().as_deref() {
            Some("26") => "数据库文件已损坏，或不是 SQLite 数据库文件；请从备份恢复（mingzhang restore）".into(),
            Some("13") => "磁盘已满，数据库无法写入；请腾出空间后重试（未提交的操作不会写入）".into(),
            Some("8") => "数据库文件只读，无法写入".into(),
            Some(code) => format!("数据库拒绝了此操作（代码 {code}）：{}", d.message()),
            None => format!("数据库拒绝了此操作：{}", d.message()),
        },
        other => format!("数据库错误：{other}"),
    }
}

fn column_label(column: &str) -> String {
    if column.is_empty() {
        String::new()
    } else {
        format!("“{column}”列")
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Invalid { field: field.into(), reason: reason.into() }
    }

    pub fn csv(row: usize, column: impl Into<String>, reason: impl Into<String>) -> Error {
        Error::Csv { row, column: column.into(), reason: reason.into() }
    }

    pub fn not_found(what: impl Into<String>) -> Error {
        Error::NotFound { what: what.into() }
    }

    /// A stable name for the rule that was broken, for logs and API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Invalid { .. } => "invalid",
            Error::Csv { .. } => "csv_row",
            Error::Unbalanced { .. } => "voucher_unbalanced",
            Error::TooFewLines { .. } => "voucher_too_few_lines",
            Error::UnknownAccount { .. } => "account_unknown",
            Error::NonLeafAccount { .. } => "account_not_leaf",
            Error::BadLine { .. } => "voucher_line_invalid",
            Error::PeriodClosed { .. } => "period_closed",
            Error::NoPeriod { .. } => "period_missing",
            Error::SelfReview { .. } => "self_review",
            Error::WrongStatus { .. } => "voucher_wrong_status",
            Error::AlreadyReversed { .. } => "voucher_already_reversed",
            Error::ReversingReversal { .. } => "voucher_reversing_reversal",
            Error::OpeningUnbalanced { .. } => "opening_unbalanced",
            Error::NotFound { .. } => "not_found",
            Error::Conflict(_) | Error::Constraint { .. } => "conflict",
            Error::Unavailable(_) => "unavailable",
            Error::Database(_) | Error::Migrate(_) | Error::Io(_) => "internal",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lost_connection_and_a_missing_file_are_said_in_chinese() {
        let eof = std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "expected to read 5 bytes, got 0 bytes at EOF");
        for e in [sqlx::Error::Io(eof), sqlx::Error::PoolTimedOut, sqlx::Error::Protocol("unexpected message".into())] {
            let text = Error::Database(e).to_string();
            assert!(text.starts_with("与数据库的连接中断") && text.is_char_boundary(3), "{text}");
            assert!(!text.contains("expected") && !text.contains("pool") && !text.contains("unexpected"), "{text}");
        }
        let missing = Error::Io(std::io::Error::from(std::io::ErrorKind::NotFound)).to_string();
        assert_eq!(missing, "文件读写失败：文件不存在（路径写错了？）");
    }
}
