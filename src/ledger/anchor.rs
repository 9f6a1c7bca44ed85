//! Anchors outside the database (issue 10). The hash chain proves that no posted voucher was
//! changed, but only against the head the database itself keeps: someone who deletes the last
//! vouchers and rewinds the book's head, counters and balances to match leaves a chain that
//! verifies. An anchor is a chain link held elsewhere (the heads `mingzhang anchor` writes to a
//! file and the month-end close prints, a receipt's chain link from its QR code, later the
//! heads printed on disclosures); `verify --anchor` proves each is still in the chain, at its
//! place, so a rewound or rewritten tail is caught.

use sqlx::{Postgres, Sqlite};

use crate::domain::ids::{BookId, CommunityId};
use crate::error::{Error, Result};
use crate::ledger::store::{LedgerStore, LedgerTx};
use crate::store::{PgTx, SqliteTx};

/// A book's chain head as it stood: the book, how many vouchers the chain had, and the hash
/// of the last (the book's genesis hash while it has none).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    pub community: String,
    pub book: String,
    pub seq: i64,
    pub hash: String,
    /// The receipts the book had issued (absent from files written before): a restore
    /// continues numbering after it (`fees::restore`).
    #[serde(default)]
    pub receipts: Option<i64>,
}

crate::wing_tx! {
    pub trait AnchorTx: Send {
        /// The previous and own hash of the voucher at `seq` in the book's chain.
        fn chain_link(
            &mut self,
            community_id: CommunityId,
            book_id: BookId,
            seq: i64,
        ) -> impl Future<Output = Result<Option<(String, String)>>> + Send;
        /// Where a hash stands in any chain: (community, book, seq) of the voucher that has it.
        fn link_of_hash(&mut self, hash: &str) -> impl Future<Output = Result<Option<(CommunityId, i64, i64)>>> + Send;
    }
}

macro_rules! impl_anchor_tx {
    ($tx_type:ty, $db:ty) => {
        impl AnchorTx for $tx_type {
            async fn chain_link(&mut self, community_id: CommunityId, book_id: BookId, seq: i64) -> Result<Option<(String, String)>> {
                Ok(sqlx::query_as::<$db, (String, String)>(
                    "SELECT prev_hash, hash FROM vouchers WHERE community_id = $1 AND book_id = $2 AND chain_seq = $3",
                )
                .bind(community_id)
                .bind(book_id)
                .bind(seq)
                .fetch_optional(&mut *self.tx)
                .await?)
            }

            async fn link_of_hash(&mut self, hash: &str) -> Result<Option<(CommunityId, i64, i64)>> {
                // A scan of the posted vouchers: anchors are checked rarely, and an index on
                // every hash would cost each posting.
                Ok(sqlx::query_as::<$db, (CommunityId, i64, i64)>(
                    "SELECT community_id, book_id, chain_seq FROM vouchers WHERE hash = $1 AND chain_seq IS NOT NULL LIMIT 1",
                )
                .bind(hash)
                .fetch_optional(&mut *self.tx)
                .await?)
            }
        }
    };
}

impl_anchor_tx!(SqliteTx, Sqlite);
impl_anchor_tx!(PgTx, Postgres);

/// Every book's head now, to be kept outside the database.
pub async fn current_anchors<S: LedgerStore>(store: &S) -> Result<Vec<Anchor>> {
    let mut tx = store.read().await?;
    let mut out = Vec::new();
    for community in tx.communities().await? {
        for book in tx.books(community.id).await? {
            out.push(Anchor {
                community: community.name.clone(),
                book: book.code.clone(),
                seq: book.chain_len,
                hash: book.chain_head.clone(),
                receipts: Some(book.receipts_issued),
            });
        }
    }
    Ok(out)
}

/// Whether an anchor still stands in its book's chain: None when it does, else why not.
pub async fn check_anchor<S: LedgerStore>(store: &S, anchor: &Anchor) -> Result<Option<String>> {
    let mut tx = store.read().await?;
    let Some(community) = tx.communities().await?.into_iter().find(|c| c.name == anchor.community) else {
        return Ok(Some(format!("锚点所指的社区“{}”已不存在", anchor.community)));
    };
    let Some(book) = tx.books(community.id).await?.into_iter().find(|b| b.code == anchor.book) else {
        return Ok(Some(format!("锚点所指的账套 {} 已不存在", anchor.book)));
    };
    let short = &anchor.hash[..anchor.hash.len().min(16)];
    if anchor.seq > book.chain_len {
        return Ok(Some(format!(
            "锚点（第 {} 张凭证，{short}…）已不在链上：账簿的链现只有 {} 张凭证，链尾被删去或回退",
            anchor.seq, book.chain_len
        )));
    }
    let holds = if anchor.seq == 0 {
        // The genesis: the first voucher's previous hash, or the head of a book with none.
        match tx.chain_link(community.id, book.id, 1).await? {
            Some((prev, _)) => prev == anchor.hash,
            None => book.chain_head == anchor.hash,
        }
    } else {
        tx.chain_link(community.id, book.id, anchor.seq).await?.is_some_and(|(_, hash)| hash == anchor.hash)
    };
    Ok((!holds).then(|| format!("锚点（第 {} 张凭证，{short}…）与链上该位置的凭证不符：链被改写", anchor.seq)))
}

/// Whether a receipt's chain link (the hash its QR code carries) is in some book's chain.
pub async fn check_link<S: LedgerStore>(store: &S, hash: &str) -> Result<Option<String>> {
    let hash = hash.trim().to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::invalid("--link", format!("“{hash}”不是 64 位十六进制的链哈希（收据二维码中的“链”）")));
    }
    let found = store.read().await?.link_of_hash(&hash).await?;
    Ok(found.is_none().then(|| format!("链哈希 {}… 不在任何账簿的链上：其凭证已被删去或改写", &hash[..16])))
}
