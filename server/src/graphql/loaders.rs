//! DataLoaders: the rows a page's fields point at, loaded in one query per page instead of
//! one per row.

use std::{collections::HashMap, time::Duration};

use async_graphql::dataloader::{DataLoader, Loader};

use crate::{domain::Domain, store::entity::user};

/// Users by id, batched across every field resolved in the same moment.
pub struct UserLoader(Domain);

impl Loader<i64> for UserLoader {
    type Value = user::Model;
    type Error = async_graphql::Error;

    async fn load(&self, ids: &[i64]) -> Result<HashMap<i64, user::Model>, Self::Error> {
        let users = self.0.users_by_ids(ids).await?;
        Ok(users.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// The user loader over `domain`. It keeps no cache, so a balance read through it is never
/// older than the request.
pub fn user_loader(domain: Domain) -> DataLoader<UserLoader> {
    DataLoader::new(UserLoader(domain), tokio::spawn).delay(Duration::from_millis(1))
}

/// The wamids of the messages sends paid for, by the sends' ledger references.
pub struct SentMessageLoader(Domain);

impl Loader<String> for SentMessageLoader {
    type Value = String;
    type Error = async_graphql::Error;

    async fn load(&self, references: &[String]) -> Result<HashMap<String, String>, Self::Error> {
        Ok(self.0.messages_sent_for(references).await?)
    }
}

/// The sent-message loader over `domain`.
pub fn sent_message_loader(domain: Domain) -> DataLoader<SentMessageLoader> {
    DataLoader::new(SentMessageLoader(domain), tokio::spawn).delay(Duration::from_millis(1))
}
