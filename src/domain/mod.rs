//! Pure shared nouns, used by every wing: money in fen, areas, periods, ids, 大写 amounts,
//! limits. No I/O.
pub mod area;
pub mod capital;
pub mod category;
pub mod error;
pub mod ids;
pub mod limits;
pub mod money;
pub mod natural;
pub mod number;
pub mod period;
pub mod time;
