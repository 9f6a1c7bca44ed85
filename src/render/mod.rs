//! Rendering shared by every wing: the PDF page layer and its embedded font.
pub mod pdf;
