//! Rendering shared by every wing, one room for every form a figure leaves in: tables as
//! terminal text, CSV and XLSX (`table`), and the PDF page layer with its embedded font
//! (`pdf`), and the pages' HTML from their templates with the same money format (`html`).
pub mod html;
pub mod pdf;
pub mod table;
