//! Laboratory and imaging: the catalogue of what doctors order, with the
//! reference ranges results are judged against (issue 19, in progress:
//! orders, specimens, results and reports follow).
#[cfg(feature = "ssr")]
pub mod catalogue;
