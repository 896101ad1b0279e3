//! The [`Store`]'s directory calls: secrets, SCIM writes (each recording
//! the change its webhook reports) and reads of a directory's contents.

use serde_json::Value;
use time::OffsetDateTime;

use crate::store::Store;
use crate::store::changes::Change;
use crate::store::directories::Directory;
use crate::store::directory_book::{DirectoryContents, DirectoryError};
use crate::store::directory_changes::{DirectoryRecordChange, DirectoryRecordKind};
use crate::store::directory_records::{DirectoryGroup, DirectoryUser};
use crate::store::directory_secrets::DirectorySecret;
use crate::store::locking::lock;

/// A user with the groups it belongs to (`(id, displayName)`).
#[derive(Debug, Clone)]
pub(crate) struct UserView {
    pub(crate) user: DirectoryUser,
    pub(crate) groups: Vec<(String, String)>,
}

/// A group with its members (`(id, userName)`).
#[derive(Debug, Clone)]
pub(crate) struct GroupView {
    pub(crate) group: DirectoryGroup,
    pub(crate) members: Vec<(String, String)>,
}

fn user_view(contents: &DirectoryContents, user: &DirectoryUser) -> UserView {
    UserView {
        groups: contents.groups_of(&user.id),
        user: user.clone(),
    }
}

fn group_view(contents: &DirectoryContents, group: &DirectoryGroup) -> GroupView {
    GroupView {
        members: contents.members_of(group),
        group: group.clone(),
    }
}

impl Store {
    /// The organization of directory `directory_id`, and whether the
    /// directory is enabled.
    fn directory_owner(&self, directory_id: &str) -> Option<(String, bool)> {
        self.with_organizations(|organizations| {
            organizations
                .filtered(None)
                .find(|organization| organization.directory_id == directory_id)
                .map(|organization| {
                    let enabled = organization
                        .directory
                        .as_ref()
                        .is_some_and(|directory| directory.enabled);
                    (organization.id.clone(), enabled)
                })
        })
    }

    /// Checks that `directory_id` is the directory of `organization_id`.
    fn check_directory(
        &self,
        organization_id: &str,
        directory_id: &str,
    ) -> Result<(), DirectoryError> {
        let organization = self
            .organization(organization_id)
            .ok_or(DirectoryError::UnknownOrganization)?;
        if organization.directory_id == directory_id {
            Ok(())
        } else {
            Err(DirectoryError::UnknownDirectory)
        }
    }

    /// The organization's directory, created (disabled) if the portal never
    /// touched it; `None` for an unknown organization.
    pub(crate) fn ensure_directory(&self, organization_id: &str) -> Option<Directory> {
        let mut organizations = lock(&self.organizations);
        let organization = organizations.get_mut(organization_id)?;
        let directory_id = organization.directory_id.clone();
        Some(
            organization
                .directory
                .get_or_insert_with(|| Directory::new(directory_id, organization_id))
                .clone(),
        )
    }

    /// Creates (or replaces) the directory's SCIM secret; the answer is the
    /// only place its plain value appears.
    pub(crate) fn create_directory_secret(
        &self,
        organization_id: &str,
        directory_id: &str,
    ) -> Result<DirectorySecret, DirectoryError> {
        self.check_directory(organization_id, directory_id)?;
        let secret = DirectorySecret::generate();
        lock(&self.directories)
            .entry(directory_id.to_owned())
            .or_insert_with(|| DirectoryContents::new(organization_id))
            .secret = Some(secret.clone());
        Ok(secret)
    }

    /// Checks a SCIM call's bearer token: the directory's current secret,
    /// directory sync enabled.
    pub(crate) fn authorize_scim(
        &self,
        directory_id: &str,
        token: &str,
    ) -> Result<(), DirectoryError> {
        let (_, enabled) = self
            .directory_owner(directory_id)
            .ok_or(DirectoryError::UnknownDirectory)?;
        let mut directories = lock(&self.directories);
        let secret = directories
            .get_mut(directory_id)
            .and_then(|contents| contents.secret.as_mut())
            .ok_or(DirectoryError::Unauthorized)?;
        if !secret.matches(token) {
            return Err(DirectoryError::Unauthorized);
        }
        secret.last_used_time = Some(OffsetDateTime::now_utc());
        if enabled {
            Ok(())
        } else {
            Err(DirectoryError::Disabled)
        }
    }

    /// Runs `read` on a directory's contents (empty if nothing was pushed).
    pub(crate) fn read_directory<R>(
        &self,
        directory_id: &str,
        read: impl FnOnce(&DirectoryContents) -> R,
    ) -> Result<R, DirectoryError> {
        let (organization_id, _) = self
            .directory_owner(directory_id)
            .ok_or(DirectoryError::UnknownDirectory)?;
        let directories = lock(&self.directories);
        Ok(match directories.get(directory_id) {
            Some(contents) => read(contents),
            None => read(&DirectoryContents::new(&organization_id)),
        })
    }

    /// Every user of a directory, in creation order.
    pub(crate) fn directory_users(
        &self,
        directory_id: &str,
    ) -> Result<Vec<UserView>, DirectoryError> {
        self.read_directory(directory_id, |contents| {
            contents
                .users
                .values()
                .map(|user| user_view(contents, user))
                .collect()
        })
    }

    /// One user of a directory.
    pub(crate) fn directory_user(
        &self,
        directory_id: &str,
        id: &str,
    ) -> Result<UserView, DirectoryError> {
        self.read_directory(directory_id, |contents| {
            contents.user(id).map(|user| user_view(contents, user))
        })?
        .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))
    }

    /// Every group of a directory, in creation order.
    pub(crate) fn directory_groups(
        &self,
        directory_id: &str,
    ) -> Result<Vec<GroupView>, DirectoryError> {
        self.read_directory(directory_id, |contents| {
            contents
                .groups
                .values()
                .map(|group| group_view(contents, group))
                .collect()
        })
    }

    /// One group of a directory.
    pub(crate) fn directory_group(
        &self,
        directory_id: &str,
        id: &str,
    ) -> Result<GroupView, DirectoryError> {
        self.read_directory(directory_id, |contents| {
            contents.group(id).map(|group| group_view(contents, group))
        })?
        .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))
    }

    /// Runs `write` on a directory's contents; the changes it returns are
    /// recorded (under the same lock, so in order) and dispatched.
    fn write_directory<R, E: From<DirectoryError>>(
        &self,
        directory_id: &str,
        write: impl FnOnce(&mut DirectoryContents) -> Result<(R, Vec<Change>), E>,
    ) -> Result<R, E> {
        let (organization_id, _) = self
            .directory_owner(directory_id)
            .ok_or(DirectoryError::UnknownDirectory)?;
        let answer = {
            let mut directories = lock(&self.directories);
            let contents = directories
                .entry(directory_id.to_owned())
                .or_insert_with(|| DirectoryContents::new(&organization_id));
            let (answer, changes) = write(contents)?;
            for change in changes {
                self.record(change);
            }
            answer
        };
        self.feed.dispatch();
        Ok(answer)
    }

    /// Adds a user from a SCIM resource (`user_created`).
    pub(crate) fn scim_create_user(
        &self,
        directory_id: &str,
        resource: Value,
    ) -> Result<UserView, DirectoryError> {
        self.write_directory(directory_id, |contents| {
            let user = contents.create_user(resource)?.clone();
            let change = user_change(contents, &user, DirectoryRecordKind::UserCreated);
            Ok((user_view(contents, &user), vec![change]))
        })
    }

    /// Replaces a user with what `update` makes of its resource
    /// (`user_updated`).
    pub(crate) fn scim_update_user<E: From<DirectoryError>>(
        &self,
        directory_id: &str,
        id: &str,
        update: impl FnOnce(Value) -> Result<Value, E>,
    ) -> Result<UserView, E> {
        self.write_directory(directory_id, |contents| {
            let current = contents
                .user(id)
                .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))?
                .resource
                .clone();
            let user = contents.replace_user(id, update(current)?)?.clone();
            let change = user_change(contents, &user, DirectoryRecordKind::UserUpdated);
            Ok((user_view(contents, &user), vec![change]))
        })
    }

    /// Removes a user (`user_deleted`, then `group_updated` for each group
    /// it left).
    pub(crate) fn scim_delete_user(
        &self,
        directory_id: &str,
        id: &str,
    ) -> Result<(), DirectoryError> {
        self.write_directory(directory_id, |contents| {
            let left: Vec<String> = contents
                .groups_of(id)
                .into_iter()
                .map(|(group, _)| group)
                .collect();
            let user = contents.delete_user(id)?;
            let mut changes = vec![Change::DirectoryRecord(DirectoryRecordChange {
                kind: DirectoryRecordKind::UserDeleted,
                organization_id: contents.organization_id.clone(),
                data: user.deleted_event_data(&contents.organization_id),
            })];
            for group in left.iter().filter_map(|group| contents.group(group)) {
                changes.push(group_change(
                    contents,
                    directory_id,
                    group,
                    DirectoryRecordKind::GroupUpdated,
                ));
            }
            Ok(((), changes))
        })
    }

    /// Adds a group from a SCIM resource (`group_created`, then
    /// `user_updated` for each member).
    pub(crate) fn scim_create_group(
        &self,
        directory_id: &str,
        resource: Value,
    ) -> Result<GroupView, DirectoryError> {
        self.write_directory(directory_id, |contents| {
            let group = contents.create_group(resource)?.clone();
            let mut changes = vec![group_change(
                contents,
                directory_id,
                &group,
                DirectoryRecordKind::GroupCreated,
            )];
            changes.extend(member_changes(contents, group.members.iter()));
            Ok((group_view(contents, &group), changes))
        })
    }

    /// Replaces a group with what `update` makes of its resource (members
    /// included): `group_updated`, then `user_updated` for each user who
    /// joined or left.
    pub(crate) fn scim_update_group<E: From<DirectoryError>>(
        &self,
        directory_id: &str,
        id: &str,
        update: impl FnOnce(Value) -> Result<Value, E>,
    ) -> Result<GroupView, E> {
        self.write_directory(directory_id, |contents| {
            let group = contents
                .group(id)
                .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))?;
            let current = group.with_members(&contents.members_of(group));
            let (group, moved) = contents.replace_group(id, update(current)?)?;
            let group = group.clone();
            let mut changes = vec![group_change(
                contents,
                directory_id,
                &group,
                DirectoryRecordKind::GroupUpdated,
            )];
            changes.extend(member_changes(contents, moved.iter()));
            Ok((group_view(contents, &group), changes))
        })
    }

    /// Removes a group (`group_deleted`, then `user_updated` for each
    /// member).
    pub(crate) fn scim_delete_group(
        &self,
        directory_id: &str,
        id: &str,
    ) -> Result<(), DirectoryError> {
        self.write_directory(directory_id, |contents| {
            let group = contents.delete_group(id)?;
            let mut changes = vec![group_change(
                contents,
                directory_id,
                &group,
                DirectoryRecordKind::GroupDeleted,
            )];
            changes.extend(member_changes(contents, group.members.iter()));
            Ok(((), changes))
        })
    }
}

fn user_change(
    contents: &DirectoryContents,
    user: &DirectoryUser,
    kind: DirectoryRecordKind,
) -> Change {
    Change::DirectoryRecord(DirectoryRecordChange {
        kind,
        organization_id: contents.organization_id.clone(),
        data: user.event_data(&contents.organization_id, &contents.groups_of(&user.id)),
    })
}

fn group_change(
    contents: &DirectoryContents,
    directory_id: &str,
    group: &DirectoryGroup,
    kind: DirectoryRecordKind,
) -> Change {
    Change::DirectoryRecord(DirectoryRecordChange {
        kind,
        organization_id: contents.organization_id.clone(),
        data: group.event_data(
            &contents.organization_id,
            directory_id,
            &contents.members_of(group),
        ),
    })
}

/// `user_updated` for each of `users` still in the directory (their
/// `groups` changed).
fn member_changes<'a>(
    contents: &'a DirectoryContents,
    users: impl Iterator<Item = &'a String> + 'a,
) -> impl Iterator<Item = Change> + 'a {
    users
        .filter_map(|id| contents.user(id))
        .map(|user| user_change(contents, user, DirectoryRecordKind::UserUpdated))
}
