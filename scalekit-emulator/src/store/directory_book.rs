//! The contents of every directory: its users, groups, SCIM secret and sync
//! stats, keyed by directory id, with the rules SCIM writes follow
//! (`userName` unique per directory, members must be the directory's users).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use time::OffsetDateTime;

use crate::format::ids;
use crate::store::directory_records::{DirectoryGroup, DirectoryUser, clean_resource};
use crate::store::directory_secrets::DirectorySecret;

/// Why a directory read or write failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DirectoryError {
    /// No such organization.
    UnknownOrganization,
    /// No such directory (in that organization).
    UnknownDirectory,
    /// No user or group with that id.
    NotFound(String),
    /// A user with that `userName` exists already.
    Uniqueness(String),
    /// A value breaks the schema; says which.
    Invalid(String),
    /// The bearer token is not the directory's current secret.
    Unauthorized,
    /// Directory sync is disabled for the directory.
    Disabled,
}

/// One directory's contents.
#[derive(Debug, Clone)]
pub(crate) struct DirectoryContents {
    pub(crate) organization_id: String,
    pub(crate) secret: Option<DirectorySecret>,
    /// Users by creation order.
    pub(crate) users: BTreeMap<u64, DirectoryUser>,
    user_seq: HashMap<String, u64>,
    /// Groups by creation order.
    pub(crate) groups: BTreeMap<u64, DirectoryGroup>,
    group_seq: HashMap<String, u64>,
    next_seq: u64,
    /// When a SCIM call last changed something.
    pub(crate) last_synced_at: Option<OffsetDateTime>,
    pub(crate) user_updated_at: Option<OffsetDateTime>,
    pub(crate) group_updated_at: Option<OffsetDateTime>,
}

impl DirectoryContents {
    /// An empty directory of `organization_id`.
    pub(crate) fn new(organization_id: &str) -> Self {
        Self {
            organization_id: organization_id.to_owned(),
            secret: None,
            users: BTreeMap::new(),
            user_seq: HashMap::new(),
            groups: BTreeMap::new(),
            group_seq: HashMap::new(),
            next_seq: 0,
            last_synced_at: None,
            user_updated_at: None,
            group_updated_at: None,
        }
    }

    fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    fn touched_users(&mut self, at: OffsetDateTime) {
        self.last_synced_at = Some(at);
        self.user_updated_at = Some(at);
    }

    fn touched_groups(&mut self, at: OffsetDateTime) {
        self.last_synced_at = Some(at);
        self.group_updated_at = Some(at);
    }

    /// A user by id.
    pub(crate) fn user(&self, id: &str) -> Option<&DirectoryUser> {
        self.users.get(self.user_seq.get(id)?)
    }

    /// A group by id.
    pub(crate) fn group(&self, id: &str) -> Option<&DirectoryGroup> {
        self.groups.get(self.group_seq.get(id)?)
    }

    /// The groups `user_id` belongs to, as `(id, displayName)`.
    pub(crate) fn groups_of(&self, user_id: &str) -> Vec<(String, String)> {
        self.groups
            .values()
            .filter(|group| group.members.contains(user_id))
            .map(|group| (group.id.clone(), group.display_name().to_owned()))
            .collect()
    }

    /// A group's members as `(id, userName)`.
    pub(crate) fn members_of(&self, group: &DirectoryGroup) -> Vec<(String, String)> {
        group
            .members
            .iter()
            .map(|id| {
                let name = self
                    .user(id)
                    .map(DirectoryUser::user_name)
                    .unwrap_or_default();
                (id.clone(), name.to_owned())
            })
            .collect()
    }

    /// Checks a user resource and cleans it: `userName` present and unique
    /// (ignoring case) among the other users.
    fn checked_user(&self, resource: Value, except: Option<&str>) -> Result<Value, DirectoryError> {
        let Value::Object(map) = resource else {
            return Err(DirectoryError::Invalid(
                "a user must be a JSON object".into(),
            ));
        };
        let resource = clean_resource(map).map_err(DirectoryError::Invalid)?;
        let user_name = match resource.get("userName") {
            Some(Value::String(name)) if !name.trim().is_empty() => name,
            _ => {
                return Err(DirectoryError::Invalid(
                    "userName is required and must be a non-empty string".into(),
                ));
            }
        };
        let taken = self.users.values().any(|user| {
            Some(user.id.as_str()) != except && user.user_name().eq_ignore_ascii_case(user_name)
        });
        if taken {
            return Err(DirectoryError::Uniqueness(format!(
                "a user with userName {user_name:?} exists already"
            )));
        }
        Ok(resource)
    }

    /// Adds a user.
    pub(crate) fn create_user(
        &mut self,
        resource: Value,
    ) -> Result<&DirectoryUser, DirectoryError> {
        let resource = self.checked_user(resource, None)?;
        let now = OffsetDateTime::now_utc();
        let seq = self.seq();
        let user = DirectoryUser {
            id: ids::prefixed_digits("diruser_", 17),
            seq,
            resource,
            created: now,
            updated_at: now,
            version: 1,
        };
        self.user_seq.insert(user.id.clone(), seq);
        self.touched_users(now);
        Ok(self.users.entry(seq).or_insert(user))
    }

    /// Replaces a user's resource.
    pub(crate) fn replace_user(
        &mut self,
        id: &str,
        resource: Value,
    ) -> Result<&DirectoryUser, DirectoryError> {
        let seq = *self
            .user_seq
            .get(id)
            .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))?;
        let resource = self.checked_user(resource, Some(id))?;
        let now = OffsetDateTime::now_utc();
        self.touched_users(now);
        let user = self
            .users
            .get_mut(&seq)
            .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))?;
        user.resource = resource;
        user.updated_at = now;
        user.version += 1;
        Ok(user)
    }

    /// Removes a user (and its memberships); returns it and the groups it
    /// was in.
    pub(crate) fn delete_user(&mut self, id: &str) -> Result<DirectoryUser, DirectoryError> {
        let seq = self
            .user_seq
            .remove(id)
            .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))?;
        let user = self
            .users
            .remove(&seq)
            .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))?;
        for group in self.groups.values_mut() {
            group.members.remove(id);
        }
        self.touched_users(OffsetDateTime::now_utc());
        Ok(user)
    }

    /// Splits a group resource into its attributes and member ids, checking
    /// `displayName` and that every member is a user of this directory.
    fn checked_group(&self, resource: Value) -> Result<(Value, Vec<String>), DirectoryError> {
        let Value::Object(mut map) = resource else {
            return Err(DirectoryError::Invalid(
                "a group must be a JSON object".into(),
            ));
        };
        let members = match map.remove("members") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(members)) => members
                .iter()
                .map(|member| match member.get("value").and_then(Value::as_str) {
                    Some(id) if self.user_seq.contains_key(id) => Ok(id.to_owned()),
                    Some(id) => Err(DirectoryError::Invalid(format!(
                        "member {id:?} is not a user of this directory"
                    ))),
                    None => Err(DirectoryError::Invalid(
                        "each member needs a string value (the user's id)".into(),
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(DirectoryError::Invalid("members must be an array".into())),
        };
        let resource = clean_resource(map).map_err(DirectoryError::Invalid)?;
        match resource.get("displayName") {
            Some(Value::String(name)) if !name.trim().is_empty() => Ok((resource, members)),
            _ => Err(DirectoryError::Invalid(
                "displayName is required and must be a non-empty string".into(),
            )),
        }
    }

    /// Adds a group.
    pub(crate) fn create_group(
        &mut self,
        resource: Value,
    ) -> Result<&DirectoryGroup, DirectoryError> {
        let (resource, members) = self.checked_group(resource)?;
        let now = OffsetDateTime::now_utc();
        let seq = self.seq();
        let group = DirectoryGroup {
            id: ids::prefixed_digits("dirgroup_", 17),
            seq,
            resource,
            members: members.into_iter().collect(),
            created: now,
            updated_at: now,
            version: 1,
        };
        self.group_seq.insert(group.id.clone(), seq);
        self.touched_groups(now);
        Ok(self.groups.entry(seq).or_insert(group))
    }

    /// Replaces a group's resource (members included). Returns the group
    /// and the users whose membership changed.
    pub(crate) fn replace_group(
        &mut self,
        id: &str,
        resource: Value,
    ) -> Result<(&DirectoryGroup, Vec<String>), DirectoryError> {
        let seq = *self
            .group_seq
            .get(id)
            .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))?;
        let (resource, members) = self.checked_group(resource)?;
        let now = OffsetDateTime::now_utc();
        self.touched_groups(now);
        let group = self
            .groups
            .get_mut(&seq)
            .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))?;
        let members: std::collections::BTreeSet<String> = members.into_iter().collect();
        let moved = group
            .members
            .symmetric_difference(&members)
            .cloned()
            .collect();
        group.resource = resource;
        group.members = members;
        group.updated_at = now;
        group.version += 1;
        Ok((group, moved))
    }

    /// Removes a group; returns it.
    pub(crate) fn delete_group(&mut self, id: &str) -> Result<DirectoryGroup, DirectoryError> {
        let seq = self
            .group_seq
            .remove(id)
            .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))?;
        let group = self
            .groups
            .remove(&seq)
            .ok_or_else(|| DirectoryError::NotFound(id.to_owned()))?;
        self.touched_groups(OffsetDateTime::now_utc());
        Ok(group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn user_names_are_unique_ignoring_case() {
        let mut directory = DirectoryContents::new("org_1");
        let id = directory
            .create_user(json!({"userName": "Jane@acme.test"}))
            .unwrap()
            .id
            .clone();
        assert!(matches!(
            directory.create_user(json!({"userName": "jane@ACME.test"})),
            Err(DirectoryError::Uniqueness(_))
        ));
        assert!(matches!(
            directory.create_user(json!({"displayName": "no user name"})),
            Err(DirectoryError::Invalid(_))
        ));
        directory
            .replace_user(&id, json!({"userName": "jane@acme.test", "active": false}))
            .unwrap();
        assert!(!directory.user(&id).unwrap().active());
    }

    #[test]
    fn groups_hold_only_the_directorys_users() {
        let mut directory = DirectoryContents::new("org_1");
        let jane = directory
            .create_user(json!({"userName": "jane"}))
            .unwrap()
            .id
            .clone();
        assert!(matches!(
            directory
                .create_group(json!({"displayName": "Eng", "members": [{"value": "diruser_x"}]})),
            Err(DirectoryError::Invalid(_))
        ));
        let group = directory
            .create_group(json!({"displayName": "Eng", "members": [{"value": jane}]}))
            .unwrap()
            .id
            .clone();
        assert_eq!(directory.groups_of(&jane), [(group.clone(), "Eng".into())]);
        directory.delete_user(&jane).unwrap();
        assert!(directory.group(&group).unwrap().members.is_empty());
    }
}
