//! The subsidy wing (补贴): a community's programs from the district treasury, the finance
//! office's disbursements (拨付), the company's receipts (到账, each posted as a voucher by the
//! program's treatment), the spending tagged to a program (使用, kept by the spending wing), the
//! monthly release of a deferred grant, and reconciliations (对账) that both sides sign and that
//! are frozen once signed.
//!
//! `reconcile` is the pure matching; `rows` the rows and `store` their SQL; one file per operation beside
//! them. Every operation is one transaction; vouchers are posted in it through the ledger's
//! public posting functions.

pub mod import;
mod movements;
pub mod overview;
pub mod paper;
pub mod reconcile;
mod release;
pub mod rows;
pub mod settlement;
mod signoff;
pub mod store;

use chrono::{NaiveDate, Utc};
use serde::Serialize;

use crate::access::store::AccessStore;
use crate::access::{Access, Act};
use crate::domain::category::Category;
use crate::domain::ids::{CommunityId, ProgramId};
use crate::domain::limits::{required_text, MAX_AMOUNT_FEN};
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::ledger::rows::CommunityRow;
use crate::ledger::{Book, Ledger};
use crate::store::Tx;
use rows::{NewProgram, ProgramRow};
use store::{SubsidiesStore, SubsidiesTx};

pub use movements::{DisbursementInput, ReceiptInput};
pub use release::Release;
pub use signoff::{state_label as signoff_state, verify_signoffs, Statement};

/// How the accountant books a program's money (DESIGN.md §2, Subsidy program).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    /// A grant for costs to come (小企业会计准则): 递延收益, released to 营业外收入 month by month
    /// as the eligible costs it pays for are booked.
    Deferred,
    /// A grant for costs already borne: 营业外收入 at once.
    Immediate,
    /// The district buying a service (政府购买服务): operating revenue.
    Service,
    /// A grant to the collective (农村集体经济组织会计制度): 补助收入.
    Collective,
    /// A grant for an asset (小企业会计准则 第六十二条): 递延收益, released to 营业外收入 over the
    /// asset's life in step with its depreciation (the fixed-asset wing's monthly run).
    Asset,
}

impl Treatment {
    pub const ALL: [Treatment; 5] =
        [Treatment::Deferred, Treatment::Immediate, Treatment::Service, Treatment::Collective, Treatment::Asset];

    pub fn as_str(self) -> &'static str {
        match self {
            Treatment::Deferred => "deferred",
            Treatment::Immediate => "immediate",
            Treatment::Service => "service",
            Treatment::Collective => "collective",
            Treatment::Asset => "asset",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Treatment::Deferred => "与未来费用相关的政府补助（递延收益，按支出结转营业外收入）",
            Treatment::Immediate => "补偿已发生费用的政府补助（直接计入营业外收入）",
            Treatment::Service => "政府购买服务（主营业务收入）",
            Treatment::Collective => "集体经济组织补助收入",
            Treatment::Asset => "与资产相关的政府补助（递延收益，按资产折旧进度结转）",
        }
    }

    pub fn parse(text: &str) -> Option<Treatment> {
        let text = text.trim();
        Treatment::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// The account a receipt is credited to in `book`, and the chart it belongs to.
    fn credit_account(self, book: &Book) -> (&'static str, &'static str) {
        match self {
            Treatment::Deferred | Treatment::Asset => ("240101", "small_enterprise"),
            Treatment::Immediate => (subsidy_income_account(book), "small_enterprise"),
            Treatment::Service => ("500103", "small_enterprise"),
            Treatment::Collective => ("503", "rural_collective"),
        }
    }
}

/// 营业外收入—政府补助: where a grant's income is recognised, so that the 利润表 can fill its
/// line 其中：政府补助 (会小企02表 行23). A book made before the chart had the sub-account keeps
/// crediting 5301 itself (its 利润表 leaves that line blank, as the form allows).
pub const SUBSIDY_INCOME: &str = "530101";

pub(crate) fn subsidy_income_account(book: &Book) -> &'static str {
    if book.account_id(SUBSIDY_INCOME).is_some() {
        SUBSIDY_INCOME
    } else {
        "5301"
    }
}

/// Who signs a reconciliation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignSide {
    Company,
    FinanceOffice,
}

impl SignSide {
    pub fn as_str(self) -> &'static str {
        match self {
            SignSide::Company => "company",
            SignSide::FinanceOffice => "finance_office",
        }
    }

    pub fn parse(text: &str) -> Option<SignSide> {
        match text.trim() {
            "company" | "物业公司" => Some(SignSide::Company),
            "finance_office" | "街道财政所" | "财政所" => Some(SignSide::FinanceOffice),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SignSide::Company => "物业公司",
            SignSide::FinanceOffice => "街道财政所",
        }
    }

    fn act(self) -> Act {
        match self {
            SignSide::Company => Act::SignForCompany,
            SignSide::FinanceOffice => Act::SignForOffice,
        }
    }
}

/// A program as the accountant enters it.
#[derive(Clone, Debug)]
pub struct ProgramInput<'a> {
    pub document_no: &'a str,
    pub purpose: &'a str,
    pub approved: Fen,
    pub starts_on: NaiveDate,
    /// The first day after the program (end-exclusive).
    pub ends_on: NaiveDate,
    pub treatment: Treatment,
    pub eligible: Vec<Category>,
}

/// The subsidy wing's operations over one store.
#[derive(Clone)]
pub struct Subsidies<S: SubsidiesStore> {
    ledger: Ledger<S>,
}

/// A program's amounts are at most the ledger's limit per amount (10 亿元).
fn check_amount(field: &str, amount: Fen) -> Result<Fen> {
    if amount.0 <= 0 {
        return Err(Error::invalid(field, format!("须大于零，现为 {amount}")));
    }
    if amount.0 > MAX_AMOUNT_FEN {
        return Err(Error::invalid(field, format!("{amount} 超过单笔上限 {}", Fen(MAX_AMOUNT_FEN))));
    }
    Ok(amount)
}

impl<S: SubsidiesStore + AccessStore> Subsidies<S> {
    pub fn new(ledger: &Ledger<S>) -> Subsidies<S> {
        Subsidies { ledger: ledger.clone() }
    }

    fn store(&self) -> &S {
        &self.ledger.store
    }

    /// 新建补贴项目: in the book that receives it (the collective's for a collective grant).
    pub async fn add_program(&self, book: &Book, input: &ProgramInput<'_>, user: &str) -> Result<ProgramRow> {
        let document_no = required_text("文号", input.document_no, 100)?;
        let purpose = required_text("用途", input.purpose, 200)?;
        let approved = check_amount("批复金额", input.approved)?;
        if input.ends_on <= input.starts_on {
            return Err(Error::invalid("截止日期", format!("{} 须晚于开始日期 {}", input.ends_on, input.starts_on)));
        }
        if input.eligible.is_empty() {
            return Err(Error::invalid("可列支类别", format!("至少一项：{}", Category::choices())));
        }
        let (account, chart) = input.treatment.credit_account(book);
        if book.row.chart != chart {
            return Err(Error::invalid(
                "核算方式",
                format!("“{}”须记入使用 {chart} 科目表的账套，账套 {} 使用 {}", input.treatment.label(), book.row.code, book.row.chart),
            ));
        }
        if book.account_id(account).is_none() {
            return Err(Error::invalid("核算方式", format!("账套 {} 没有科目 {account}", book.row.code)));
        }
        let mut eligible: Vec<Category> = input.eligible.clone();
        eligible.sort();
        eligible.dedup();
        let row = NewProgram {
            book_id: book.id(),
            document_no,
            purpose,
            approved_fen: approved.0,
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            treatment: input.treatment,
            eligible: eligible.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(","),
            created_by: user,
        };
        let mut tx = self.store().begin().await?;
        let id = tx.insert_program(book.row.community_id, &row, Utc::now()).await?;
        crate::fees::seal::master::record(&mut tx, book.row.community_id, &[crate::fees::seal::master::MasterKind::SubsidyProgram]).await?;
        let program = program_by_id(&mut tx, book.row.community_id, id).await?;
        tx.commit().await?;
        Ok(program)
    }

    pub async fn programs(&self, community_id: CommunityId) -> Result<Vec<ProgramRow>> {
        let mut tx = self.store().read().await?;
        tx.programs(community_id).await
    }

    /// A program by its 文号 or its number (`3` or `#3`).
    pub async fn program(&self, community_id: CommunityId, key: &str) -> Result<ProgramRow> {
        let mut tx = self.store().read().await?;
        program_by_key(&mut tx, community_id, key).await
    }

    /// The user named to do `act` in `community`, as the access rules allow.
    async fn actor(&self, field: &str, username: &str, community: &CommunityRow, act: Act) -> Result<String> {
        Ok(Access::new(self.store().clone()).actor(field, username, community, act).await?.username)
    }
}

pub(crate) async fn program_by_id<T: SubsidiesTx>(tx: &mut T, community_id: CommunityId, id: ProgramId) -> Result<ProgramRow> {
    tx.programs(community_id).await?.into_iter().find(|p| p.id == id).ok_or_else(|| Error::not_found(format!("补贴项目 #{id}")))
}

pub(crate) async fn program_by_key<T: SubsidiesTx>(tx: &mut T, community_id: CommunityId, key: &str) -> Result<ProgramRow> {
    find_program(&tx.programs(community_id).await?, key).cloned()
}

/// The program of `programs` with 文号 `key`, or numbered `key` (`3` or `#3`).
pub(crate) fn find_program<'p>(programs: &'p [ProgramRow], key: &str) -> Result<&'p ProgramRow> {
    let key = key.trim();
    let by_number = key.trim_start_matches('#').parse::<ProgramId>().ok();
    programs
        .iter()
        .find(|p| p.document_no == key || Some(p.id) == by_number)
        .ok_or_else(|| Error::invalid("补贴项目", format!("本社区没有文号或编号为“{key}”的补贴项目")))
}

/// `verify`'s check of this wing: each disbursement, receipt, release, withdrawal and
/// settlement against its voucher (`ledger::verify::check_ties`), and every sign-off against
/// the reconciliation it froze (`verify_signoffs`).
pub async fn verify<S: SubsidiesStore>(store: &S, community: &CommunityRow, fail: &mut impl FnMut(u8, String)) -> Result<()> {
    let ties = store.read().await?.ties(community.id).await?;
    crate::ledger::verify::check_ties(&ties, fail);
    verify_signoffs(store, community, fail).await
}
