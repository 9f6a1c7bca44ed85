//! The Merkle sum tree over a month's payments (DESIGN.md section 6): each published month
//! prints the tree's root and its sum, the total collected; a resident holding a receipt gets
//! the path from their payment's leaf to that root and can check, with nothing but SHA-256,
//! that the payment is counted in the published total. Every node commits to its children's
//! hashes and sums (as an exchange's proof of liabilities does), so leaving a payment out or
//! shrinking the total changes the root, and every sum on a path is checked non-negative and
//! equal to its children's, so a negative node cannot hide a payment.
//!
//! What a proof shows of others: the sibling hashes and sums on the path, that is the amounts
//! of anonymous groups of payments, and of one other payment at the bottom. Leaves are salted
//! (`salt`, a secret of the book's): a leaf's hash gives neither its receipt number nor its
//! amount away, and nothing in the tree names a household or a room.
//!
//! The format, fixed here and documented in reports/README.md (a third party re-implements it):
//!
//! - leaf:  SHA-256("mingzhang-leaf-v1" 0x00, salt (16 bytes), receipt number (i64 big-endian),
//!   amount in fen (i64 big-endian)); its sum is the amount.
//! - node:  SHA-256("mingzhang-node-v1" 0x00, left hash, left sum (i64 BE), right hash, right
//!   sum (i64 BE)); its sum is the two sums added.
//! - leaves in receipt-number order; a level of odd length carries its last node up unpaired.
//! - the empty tree: SHA-256("mingzhang-empty-v1" 0x00), sum 0.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

const LEAF_TAG: &[u8] = b"mingzhang-leaf-v1\0";
const NODE_TAG: &[u8] = b"mingzhang-node-v1\0";
const EMPTY_TAG: &[u8] = b"mingzhang-empty-v1\0";

/// One payment as the tree holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leaf {
    pub receipt_number: i64,
    pub amount_fen: i64,
    pub salt: [u8; 16],
}

/// A node: its hash and the sum of the amounts below it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    pub hash: [u8; 32],
    pub sum_fen: i64,
}

impl Node {
    pub fn hash_hex(&self) -> String {
        hex::encode(self.hash)
    }
}

pub fn leaf_node(leaf: &Leaf) -> Node {
    let mut h = Sha256::new();
    h.update(LEAF_TAG);
    h.update(leaf.salt);
    h.update(leaf.receipt_number.to_be_bytes());
    h.update(leaf.amount_fen.to_be_bytes());
    Node { hash: h.finalize().into(), sum_fen: leaf.amount_fen }
}

/// The parent of two nodes; None when their sum overflows.
pub fn parent(left: &Node, right: &Node) -> Option<Node> {
    let sum_fen = left.sum_fen.checked_add(right.sum_fen)?;
    let mut h = Sha256::new();
    h.update(NODE_TAG);
    h.update(left.hash);
    h.update(left.sum_fen.to_be_bytes());
    h.update(right.hash);
    h.update(right.sum_fen.to_be_bytes());
    Some(Node { hash: h.finalize().into(), sum_fen })
}

fn empty_root() -> Node {
    Node { hash: Sha256::digest(EMPTY_TAG).into(), sum_fen: 0 }
}

/// A month's tree, every level kept (leaves first) so any leaf's path can be read off.
#[derive(Clone, Debug)]
pub struct SumTree {
    receipts: Vec<i64>,
    levels: Vec<Vec<Node>>,
}

impl SumTree {
    /// Builds the tree over payments in receipt-number order. Refuses a negative amount and a
    /// receipt number given twice: neither can be a payment counted in a published total.
    pub fn build(leaves: &[Leaf]) -> Result<SumTree> {
        let mut sorted: Vec<&Leaf> = leaves.iter().collect();
        sorted.sort_by_key(|l| l.receipt_number);
        if let Some(w) = sorted.windows(2).find(|w| w[0].receipt_number == w[1].receipt_number) {
            return Err(Error::invalid("收据号", format!("收据 {} 出现两次：同一笔收款不能计入两次", w[0].receipt_number)));
        }
        if let Some(l) = sorted.iter().find(|l| l.amount_fen < 0) {
            return Err(Error::invalid("金额", format!("收据 {} 的金额为负：实收合计只计入正数金额", l.receipt_number)));
        }
        let mut levels = vec![sorted.iter().map(|l| leaf_node(l)).collect::<Vec<_>>()];
        while levels.last().is_some_and(|level| level.len() > 1) {
            let below = levels.last().expect("a level");
            let mut up = Vec::with_capacity(below.len().div_ceil(2));
            for pair in below.chunks(2) {
                up.push(match pair {
                    [left, right] => parent(left, right).ok_or_else(|| Error::invalid("金额", "实收合计超出可表示的范围".to_string()))?,
                    [single] => *single,
                    _ => unreachable!("chunks of two"),
                });
            }
            levels.push(up);
        }
        Ok(SumTree { receipts: sorted.iter().map(|l| l.receipt_number).collect(), levels })
    }

    pub fn root(&self) -> Node {
        self.levels.last().and_then(|top| top.first()).copied().unwrap_or_else(empty_root)
    }

    pub fn len(&self) -> usize {
        self.receipts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.receipts.is_empty()
    }

    /// The path from a receipt's leaf to the root: each sibling met on the way up. None when
    /// the receipt is not in the tree.
    pub fn path(&self, receipt_number: i64) -> Option<Vec<Step>> {
        let mut index = self.receipts.binary_search(&receipt_number).ok()?;
        let mut steps = Vec::new();
        for level in &self.levels[..self.levels.len() - 1] {
            let sibling = index ^ 1;
            if let Some(node) = level.get(sibling) {
                let side = if sibling < index { Side::Left } else { Side::Right };
                steps.push(Step { side, hash: node.hash_hex(), sum_fen: node.sum_fen });
            }
            index /= 2;
        }
        Some(steps)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Left,
    Right,
}

/// A sibling on the way up: which side it is on, its hash (hex) and its sum.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub side: Side,
    pub hash: String,
    pub sum_fen: i64,
}

/// What a resident downloads: their payment's leaf, its path and the root it should reach.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proof {
    pub receipt_number: i64,
    pub amount_fen: i64,
    /// The leaf's salt, hex.
    pub salt: String,
    pub path: Vec<Step>,
    /// The root printed on the month's disclosure, hex, and its sum, the published total.
    pub root: String,
    pub total_fen: i64,
}

impl Proof {
    pub fn of(tree: &SumTree, leaf: &Leaf) -> Option<Proof> {
        let root = tree.root();
        Some(Proof {
            receipt_number: leaf.receipt_number,
            amount_fen: leaf.amount_fen,
            salt: hex::encode(leaf.salt),
            path: tree.path(leaf.receipt_number)?,
            root: root.hash_hex(),
            total_fen: root.sum_fen,
        })
    }

    /// Walks the path from the leaf and checks it reaches the stated root and total, every sum
    /// on the way non-negative. The error says, in Chinese, which check failed.
    pub fn check(&self) -> std::result::Result<(), String> {
        let salt: [u8; 16] =
            hex::decode(&self.salt).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| "证明中的盐值不是 32 位十六进制数".to_string())?;
        if self.amount_fen < 0 {
            return Err(format!("证明中的金额为负（{} 分）", self.amount_fen));
        }
        let mut node = leaf_node(&Leaf { receipt_number: self.receipt_number, amount_fen: self.amount_fen, salt });
        for (k, step) in self.path.iter().enumerate() {
            let hash: [u8; 32] = hex::decode(&step.hash)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| format!("路径第 {} 步的哈希不是 64 位十六进制数", k + 1))?;
            if step.sum_fen < 0 {
                return Err(format!("路径第 {} 步的合计为负（{} 分）：负数节点会掩盖被删去的收款", k + 1, step.sum_fen));
            }
            let sibling = Node { hash, sum_fen: step.sum_fen };
            let up = match step.side {
                Side::Left => parent(&sibling, &node),
                Side::Right => parent(&node, &sibling),
            };
            node = up.ok_or_else(|| format!("路径第 {} 步的合计超出可表示的范围", k + 1))?;
        }
        if node.sum_fen != self.total_fen {
            return Err(format!("沿路径算得的实收合计为 {} 分，而公示的合计为 {} 分", node.sum_fen, self.total_fen));
        }
        if node.hash_hex() != self.root.to_ascii_lowercase() {
            return Err("沿路径算得的根哈希与公示的根哈希不符：这笔收款不在公示的合计之中，或证明被改动".to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn leaves(amounts: &[i64]) -> Vec<Leaf> {
        amounts
            .iter()
            .enumerate()
            .map(|(i, &amount_fen)| Leaf { receipt_number: 1000 + i as i64 * 3, amount_fen, salt: [i as u8; 16] })
            .collect()
    }

    proptest! {
        /// Every payment's proof reaches the root, whose sum is the total; a changed amount,
        /// a changed total and a proof against the tree without some other payment all fail.
        #[test]
        fn every_receipt_proves_and_tampering_fails(amounts in prop::collection::vec(1i64..5_000_000, 1..80), pick in any::<prop::sample::Index>()) {
            let leaves = leaves(&amounts);
            let tree = SumTree::build(&leaves).unwrap();
            prop_assert_eq!(tree.root().sum_fen, amounts.iter().sum::<i64>());
            for leaf in &leaves {
                prop_assert_eq!(Proof::of(&tree, leaf).unwrap().check(), Ok(()));
            }
            let leaf = &leaves[pick.index(leaves.len())];
            let proof = Proof::of(&tree, leaf).unwrap();
            let altered = Proof { amount_fen: proof.amount_fen + 1, ..proof.clone() };
            prop_assert!(altered.check().is_err());
            let shrunk = Proof { total_fen: proof.total_fen - 1, ..proof.clone() };
            prop_assert!(shrunk.check().is_err());
            if leaves.len() > 1 {
                // The server drops another payment from the month and publishes the smaller tree.
                let other = (pick.index(leaves.len()) + 1) % leaves.len();
                let kept: Vec<Leaf> = leaves.iter().enumerate().filter(|(i, _)| *i != other).map(|(_, l)| l.clone()).collect();
                let smaller = SumTree::build(&kept).unwrap();
                let against_smaller = Proof { root: smaller.root().hash_hex(), total_fen: smaller.root().sum_fen, ..proof.clone() };
                prop_assert!(against_smaller.check().is_err());
            }
        }
    }

    #[test]
    fn a_negative_sibling_is_refused_even_when_the_hashes_agree() {
        // A forged tree: the resident's payment of 500 beside a node of -500, so the published
        // total reads 0. The hashes are consistent; the sum check catches it.
        let leaf = Leaf { receipt_number: 7, amount_fen: 500, salt: [1; 16] };
        let forged = Node { hash: [9; 32], sum_fen: -500 };
        let root = parent(&leaf_node(&leaf), &forged).unwrap();
        let proof = Proof {
            receipt_number: 7,
            amount_fen: 500,
            salt: hex::encode([1u8; 16]),
            path: vec![Step { side: Side::Right, hash: hex::encode([9u8; 32]), sum_fen: -500 }],
            root: root.hash_hex(),
            total_fen: 0,
        };
        assert!(proof.check().unwrap_err().contains("为负"));
    }

    #[test]
    fn a_receipt_not_in_the_tree_has_no_path_and_bad_input_is_refused() {
        let tree = SumTree::build(&leaves(&[100, 200, 300])).unwrap();
        assert!(tree.path(999).is_none());
        assert!(SumTree::build(&leaves(&[100, -1])).is_err());
        let mut twice = leaves(&[100, 200]);
        twice[1].receipt_number = twice[0].receipt_number;
        assert!(SumTree::build(&twice).is_err());
        let empty = SumTree::build(&[]).unwrap();
        assert_eq!(empty.root().sum_fen, 0);
        assert!(empty.is_empty());
    }

    #[test]
    fn the_format_is_fixed() {
        // Pinned so that a change to the hashing, which would break every published root and
        // every third party's checker, cannot pass unnoticed.
        let tree = SumTree::build(&leaves(&[12_345, 67_890, 1])).unwrap();
        assert_eq!(tree.root().sum_fen, 80_236);
        assert_eq!(tree.root().hash_hex(), PINNED_ROOT);
    }

    /// Computed apart from this code, by the Python checker in reports/README.md.
    const PINNED_ROOT: &str = "d74e71475412776316d3e0ea0bab781068ed353c9c2033520456ddc1dcb78adc";
}
