use sea_orm_migration::{prelude::*, schema::*};

/// Inbound media kept locally (Meta's URLs live minutes, its ids 7 days), and the message
/// that carried each media id, for authorization and for the fetch job's retries.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(Conversations::Table).add_column(string_null(Conversations::MediaId)).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_conversations_media_id")
                    .table(Conversations::Table)
                    .col(Conversations::MediaId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(MediaFiles::Table)
                    .if_not_exists()
                    .col(string(MediaFiles::MediaId).primary_key())
                    .col(string(MediaFiles::MessageId))
                    .col(string_null(MediaFiles::MimeType))
                    .col(string_null(MediaFiles::Sha256))
                    .col(big_integer_null(MediaFiles::Size))
                    .col(string_null(MediaFiles::Path))
                    .col(integer(MediaFiles::Attempts))
                    .col(text_null(MediaFiles::LastError))
                    .col(timestamp_with_time_zone(MediaFiles::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(MediaFiles::FetchedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(MediaFiles::Table).to_owned()).await?;
        manager
            .drop_index(Index::drop().name("idx_conversations_media_id").table(Conversations::Table).to_owned())
            .await?;
        manager
            .alter_table(Table::alter().table(Conversations::Table).drop_column(Conversations::MediaId).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    MediaId,
}

#[derive(DeriveIden)]
enum MediaFiles {
    Table,
    MediaId,
    MessageId,
    MimeType,
    Sha256,
    Size,
    Path,
    Attempts,
    LastError,
    NextAttemptAt,
    FetchedAt,
}
