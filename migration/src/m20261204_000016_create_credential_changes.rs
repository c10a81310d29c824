use sea_orm_migration::{prelude::*, schema::*};

/// When each account's password was last set: tokens issued before it are refused, so a
/// changed password ends the sessions of whoever had the old one. A table of its own, read only
/// when a token is checked, rather than a column every user row (and every contact that ingest
/// creates) would carry.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CredentialChanges::Table)
                    .if_not_exists()
                    .col(big_integer(CredentialChanges::UserId).primary_key())
                    .col(timestamp_with_time_zone(CredentialChanges::ChangedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CredentialChanges::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum CredentialChanges {
    Table,
    UserId,
    ChangedAt,
}
