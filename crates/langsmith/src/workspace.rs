//! The workspace as a whole: what a search for a person across it starts from.

use crate::{Client, Dataset, Error};

impl Client {
    /// Every dataset of the workspace (`GET /api/v1/datasets`), over all pages through
    /// the one lister and its guards: the spec's largest page, oldest first, each dataset
    /// once. A listing that does not end normally is [`Error::Paging`].
    ///
    /// ```no_run
    /// # async fn demo(client: langsmith::Client) -> Result<(), langsmith::Error> {
    /// for d in client.all_datasets().await? {
    ///     println!("{} {}", d.id, d.name);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn all_datasets(&self) -> Result<Vec<Dataset>, Error> {
        self.datasets(None).await
    }
}
