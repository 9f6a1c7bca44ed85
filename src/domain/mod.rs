//! Pure shared nouns, used by every wing: money in fen, periods, 大写 amounts, limits. No I/O.
pub mod capital;
pub mod limits;
pub mod money;
pub mod period;
