//! Paging of listings: which slice a caller wants, and what it gets back.

/// One page of a listing: skip `offset` items, then keep at most `limit` (all with `None`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Page {
    pub offset: usize,
    pub limit: Option<usize>,
}

impl Page {
    /// Everything, from the first item.
    pub const ALL: Page = Page { offset: 0, limit: None };

    /// `LIMIT` and `OFFSET` values for SQL (`-1`: no limit).
    pub fn sql(self) -> (i64, i64) {
        (self.limit.map_or(-1, |l| l as i64), self.offset as i64)
    }
}

/// One page of a listing and the total of the whole listing.
pub type Paged<T> = (Vec<T>, usize);
