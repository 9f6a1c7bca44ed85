//! Row ids as types of their own, so a household id cannot be passed where a book id belongs.
//! Each is the database's integer id (BIGINT), read and written as that integer by sqlx.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize, sqlx::Type)]
        #[serde(transparent)]
        #[sqlx(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        /// As a command's argument or a form's field gives it: the integer itself.
        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                text.trim().parse().map($name)
            }
        }
    };
}

id_type!(
    /// A community (小区/社区): the unit of tenancy, and the key a city-wide deployment shards by.
    CommunityId
);
id_type!(
    /// A book (账套) of one community.
    BookId
);
id_type!(
    /// A household (住户) of one community.
    HouseholdId
);

id_type!(
    /// A voucher (记账凭证) of one book, a draft's included: its row, not its number (记-0017).
    VoucherId
);
id_type!(
    /// An account (会计科目) of one book.
    AccountId
);
id_type!(
    /// A fee item (收费项目) of the company's book.
    FeeItemId
);
id_type!(
    /// A bill (应收账单): one household's, or one unit's, fee item for one month.
    BillId
);
id_type!(
    /// A billing run (计费批次): one month's bills, posted as one voucher.
    BillingRunId
);
id_type!(
    /// A payment (收款) and its receipt.
    PaymentId
);
id_type!(
    /// A unit that is billed but is not a household (a shop, a parking space).
    UnitId
);
id_type!(
    /// A waiver (减免) of part of a bill.
    WaiverId
);
id_type!(
    /// The void (作废) of a receipt.
    VoidId
);
id_type!(
    /// The reversal (冲销) of a billing run, or of one household's part of it.
    ReversalId
);
id_type!(
    /// A subsidy program (补助项目) from the district treasury.
    ProgramId
);
id_type!(
    /// A disbursement (拨付) of a subsidy program.
    DisbursementId
);
id_type!(
    /// A reconciliation (对账) of a subsidy program with the street finance office.
    ReconciliationId
);
id_type!(
    /// A spending (支出) of the company.
    SpendingId
);
id_type!(
    /// A supplier (供应商) the company pays.
    SupplierId
);
id_type!(
    /// A fixed asset (固定资产).
    AssetId
);
id_type!(
    /// A roster (成员名册) of the collective's members.
    RosterId
);
id_type!(
    /// A user of the web application.
    UserId
);
id_type!(
    /// A published disclosure (公示).
    DisclosureId
);
id_type!(
    /// A distribution (分配) of the collective's profit to its members.
    DistributionId
);
id_type!(
    /// A fee standard (收费标准): a fee item's rate from one date.
    FeeStandardId
);
id_type!(
    /// The company's receipt (到账) of a subsidy program's money into its bank account.
    SubsidyReceiptId
);
id_type!(
    /// An entry of public revenue (公共收益) held for the owners.
    RevenueEntryId
);
id_type!(
    /// An entry of the audit log (操作日志).
    AuditId
);

/// A book together with its community: what every query of a book's rows filters by, so that
/// each statement names its community (DESIGN.md section 5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BookKey {
    pub community_id: CommunityId,
    pub book_id: BookId,
}
