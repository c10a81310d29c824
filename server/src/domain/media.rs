//! Inbound media, kept locally: Meta's download URLs live minutes and its media ids 7 days, so
//! a background job fetches each media message's file into `MEDIA_DIR`, retrying with backoff,
//! and records its progress in `media_files` (so it survives restarts). Ingest notes each media
//! message's `media_files` row in the transaction that stores the message, so the job only reads
//! the rows that are due. Viewers who may see the message get the file through the API; one not
//! fetched yet is fetched on demand.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Duration,
};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::{
    auth::{Role, Viewer},
    config::MediaConfig,
    error::AppError,
    store::{
        Writer,
        entity::{conversation, media_file},
    },
    whatsapp::client::GraphApi,
};

use super::Domain;

/// Attempts before the job gives up on a file (the API can still fetch it on demand).
pub const MAX_ATTEMPTS: i32 = 8;

/// Fetches, stores and serves inbound media.
#[derive(Clone, Debug)]
pub struct MediaService {
    domain: Domain,
    graph: Arc<dyn GraphApi>,
    dir: PathBuf,
    max_bytes: u64,
    retry_base: Duration,
}

/// A stored media file.
#[derive(Debug, Clone)]
pub struct MediaFile {
    /// Its content type.
    pub mime_type: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl MediaService {
    /// A service storing files as `config` says.
    pub fn new(domain: Domain, graph: Arc<dyn GraphApi>, config: &MediaConfig) -> Self {
        Self { domain, graph, dir: config.dir.clone(), max_bytes: config.max_bytes, retry_base: config.retry_base }
    }

    /// One round of the job: fetches up to `batch` due files. Returns how many were stored.
    pub async fn run_once(&self, batch: u64) -> Result<usize, AppError> {
        let due = media_file::Entity::find()
            .filter(media_file::Column::Path.is_null())
            .filter(media_file::Column::Attempts.lt(MAX_ATTEMPTS))
            .filter(media_file::Column::NextAttemptAt.lte(Utc::now()))
            .limit(batch)
            .all(self.domain.db())
            .await?;
        let mut stored = 0;
        for file in due {
            match self.fetch(&file.media_id).await {
                Ok(_) => stored += 1,
                Err(error) => self.record_failure(&file, &error.message()).await?,
            }
        }
        Ok(stored)
    }

    /// The media, for a viewer who may see the message that carried it.
    /// Several messages may carry one media id (two contacts sending the same file): a user's
    /// own is looked for first.
    pub async fn get(&self, viewer: &Viewer, media_id: &str) -> Result<MediaFile, AppError> {
        let carrying = conversation::Entity::find().filter(conversation::Column::MediaId.eq(media_id));
        let own = match viewer.user_id {
            Some(user_id) if viewer.role == Role::User => {
                carrying.clone().filter(conversation::Column::UserId.eq(user_id)).one(self.domain.db()).await?
            }
            _ => None,
        };
        let message = match own {
            Some(message) => message,
            None => carrying
                .one(self.domain.db())
                .await?
                .ok_or_else(|| AppError::NotFound(format!("no stored message carries media {media_id}")))?,
        };
        viewer.scope_for(message.user_id)?;
        let known = media_file::Entity::find_by_id(media_id).one(self.domain.db()).await?;
        if let Some(media_file::Model { path: Some(path), mime_type, .. }) = known
            && let Ok(bytes) = tokio::fs::read(self.dir.join(&path)).await
        {
            return Ok(MediaFile { mime_type: mime_type.unwrap_or_else(|| "application/octet-stream".into()), bytes });
        }
        {
            let _turn = self.domain.gate.enter(Writer::Media).await;
            note(self.domain.db(), media_id, &message.message_id, Utc::now()).await?;
        }
        self.fetch(media_id).await
    }

    /// Notes the media messages that have no `media_files` row, a batch at a time: those stored
    /// by a version that did not note them at ingest. Run once when the job starts (it reads
    /// every media message once, in id order); returns how many were noted.
    pub async fn note_unnoted(&self, batch: u64) -> Result<usize, AppError> {
        let (mut noted, mut after) = (0, 0);
        loop {
            let known = Query::select()
                .expr(Expr::val(1))
                .from(media_file::Entity)
                .and_where(
                    Expr::col((media_file::Entity, media_file::Column::MediaId))
                        .equals((conversation::Entity, conversation::Column::MediaId)),
                )
                .to_owned();
            let unnoted = conversation::Entity::find()
                .filter(conversation::Column::Id.gt(after))
                .filter(conversation::Column::MediaId.is_not_null())
                .filter(Expr::exists(known).not())
                .order_by_asc(conversation::Column::Id)
                .limit(batch)
                .all(self.domain.db())
                .await?;
            let _turn = self.domain.gate.enter(Writer::Media).await;
            for message in &unnoted {
                if let Some(media_id) = &message.media_id {
                    note(self.domain.db(), media_id, &message.message_id, Utc::now()).await?;
                }
            }
            noted += unnoted.len();
            match unnoted.last() {
                Some(last) if unnoted.len() as u64 == batch => after = last.id,
                _ => return Ok(noted),
            }
        }
    }

    /// Looks the media up at Meta, downloads it, checks it and stores it.
    async fn fetch(&self, media_id: &str) -> Result<MediaFile, AppError> {
        let info = self.graph.media_info(media_id).await.map_err(|e| upstream(media_id, &e.to_string()))?;
        if let Some(size) = info.size().filter(|size| *size > self.max_bytes) {
            let why = format!("Meta says it is {size} bytes, more than MEDIA_MAX_BYTES ({})", self.max_bytes);
            return Err(upstream(media_id, &why));
        }
        let bytes =
            self.graph.download(&info.url, self.max_bytes).await.map_err(|e| upstream(media_id, &e.to_string()))?;
        let digest = hex::encode(Sha256::digest(&bytes));
        if let Some(expected) = info.sha256.as_deref().filter(|h| h.len() == 64)
            && !expected.eq_ignore_ascii_case(&digest)
        {
            return Err(upstream(media_id, "the downloaded bytes do not match Meta's SHA-256"));
        }
        let name = file_name(media_id);
        write_atomically(&self.dir, &name, &bytes).await.map_err(|e| {
            AppError::Upstream(crate::error::UpstreamError {
                status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
                message: format!("media {media_id} could not be written to MEDIA_DIR ({}): {e}", self.dir.display()),
                meta_code: None,
                fbtrace_id: None,
                maybe_sent: false,
            })
        })?;
        let mime_type = info.mime_type.unwrap_or_else(|| "application/octet-stream".into());
        let _turn = self.domain.gate.enter(Writer::Media).await;
        media_file::Entity::update_many()
            .col_expr(media_file::Column::Path, name.into())
            .col_expr(media_file::Column::MimeType, mime_type.clone().into())
            .col_expr(media_file::Column::Sha256, digest.into())
            .col_expr(media_file::Column::Size, (bytes.len() as i64).into())
            .col_expr(media_file::Column::FetchedAt, Some(Utc::now()).into())
            .col_expr(media_file::Column::LastError, Option::<String>::None.into())
            .filter(media_file::Column::MediaId.eq(media_id))
            .exec(self.domain.db())
            .await?;
        Ok(MediaFile { mime_type, bytes })
    }

    async fn record_failure(&self, file: &media_file::Model, error: &str) -> Result<(), AppError> {
        let attempts = file.attempts + 1;
        let wait = self.retry_base.saturating_mul(1 << (attempts - 1).clamp(0, 20)).min(Duration::from_secs(3600));
        if attempts < MAX_ATTEMPTS {
            tracing::warn!(media_id = %file.media_id, attempts, ?wait, error, "media fetch failed; will retry");
        } else {
            tracing::error!(
                media_id = %file.media_id,
                attempts,
                error,
                "media fetch failed for the last time; the job gives it up (opening it in the admin UI tries again)"
            );
        }
        let _turn = self.domain.gate.enter(Writer::Media).await;
        media_file::Entity::update_many()
            .col_expr(media_file::Column::Attempts, attempts.into())
            .col_expr(media_file::Column::LastError, Some(error.to_owned()).into())
            .col_expr(media_file::Column::NextAttemptAt, (Utc::now() + wait).into())
            .filter(media_file::Column::MediaId.eq(&file.media_id))
            .exec(self.domain.db())
            .await?;
        Ok(())
    }
}

/// Notes that `message_id` carried `media_id`, due for fetching now; nothing when it is noted
/// already.
async fn note<C: ConnectionTrait>(db: &C, media_id: &str, message_id: &str, now: DateTime<Utc>) -> Result<(), DbErr> {
    media_file::Entity::insert(due_row(media_id.to_owned(), message_id.to_owned(), now))
        .on_conflict(OnConflict::column(media_file::Column::MediaId).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// The `media_files` row of a media not fetched yet, due now. Ingest inserts these in the
/// transaction that stores their messages.
pub(crate) fn due_row(media_id: String, message_id: String, now: DateTime<Utc>) -> media_file::ActiveModel {
    media_file::ActiveModel {
        media_id: Set(media_id),
        message_id: Set(message_id),
        attempts: Set(0),
        next_attempt_at: Set(now),
        ..Default::default()
    }
}

fn upstream(media_id: &str, why: &str) -> AppError {
    AppError::Upstream(crate::error::UpstreamError {
        status: axum::http::StatusCode::BAD_GATEWAY,
        message: format!("media {media_id} could not be fetched from Meta: {why}"),
        meta_code: None,
        fbtrace_id: None,
        maybe_sent: false,
    })
}

/// A file name safe on any file system: Meta's ids are digits, anything else is hex-encoded.
fn file_name(media_id: &str) -> String {
    if !media_id.is_empty() && media_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        media_id.to_owned()
    } else {
        format!("x{}", hex::encode(media_id))
    }
}

/// Writes `name` whole or not at all, on the disk before the row that names it is committed
/// (file and folder flushed), so that a power loss never leaves a row naming a missing or
/// short file. Each writer has its own partial file, so the job and an on-demand fetch of the
/// same media can race without either failing (the last rename wins, with the same bytes).
async fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let partial = dir.join(format!(".{name}.{}.partial", uuid::Uuid::new_v4().simple()));
    let written = async {
        let mut file = tokio::fs::File::create(&partial).await?;
        file.write_all(bytes).await?;
        file.sync_all().await?;
        tokio::fs::rename(&partial, dir.join(name)).await?;
        tokio::fs::File::open(dir).await?.sync_all().await
    }
    .await;
    if written.is_err() {
        // A partial file left behind (a full disk) would keep the disk full for every later try.
        let _ = tokio::fs::remove_file(&partial).await;
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_cannot_escape_the_media_dir() {
        assert_eq!(file_name("1234567890"), "1234567890");
        assert_eq!(file_name("../etc/passwd"), format!("x{}", hex::encode("../etc/passwd")));
        assert!(!file_name("a/b").contains('/'));
    }

    #[tokio::test]
    async fn a_write_that_fails_leaves_no_partial_file_behind() {
        let dir = tempfile::tempdir().expect("dir");
        // A folder where the file should go: the rename onto it fails, as a full disk would fail the write.
        std::fs::create_dir_all(dir.path().join("42").join("occupied")).expect("a folder in the way");
        assert!(write_atomically(dir.path(), "42", b"bytes").await.is_err());
        let left: Vec<_> =
            std::fs::read_dir(dir.path()).expect("read").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("42")], "only the folder that was in the way");

        write_atomically(dir.path(), "43", b"bytes").await.expect("a normal write");
        assert_eq!(std::fs::read(dir.path().join("43")).expect("read"), b"bytes");
    }
}
