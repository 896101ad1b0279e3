//! What differs between `/Users` and `/Groups`: the store's records they
//! read and write, and how a record becomes a SCIM resource. The handlers
//! (`collection`) are the same for both.

use serde_json::Value;

use crate::scim::error::ScimError;
use crate::scim::resources;
use crate::store::Store;
use crate::store::directory_access::{GroupView, UserView};
use crate::store::directory_book::DirectoryError;

/// A SCIM resource type the server keeps per directory.
pub(crate) trait ScimKind: Send + Sync + 'static {
    /// A record as the store answers it.
    type View: Send;

    /// Creates a record from a SCIM resource.
    fn create(store: &Store, directory: &str, resource: Value) -> Result<Self::View, ScimError>;

    /// One record.
    fn get(store: &Store, directory: &str, id: &str) -> Result<Self::View, DirectoryError>;

    /// Every record, in the order a list answers them.
    fn list(store: &Store, directory: &str) -> Result<Vec<Self::View>, DirectoryError>;

    /// Replaces a record's resource with what `update` makes of it.
    fn update(
        store: &Store,
        directory: &str,
        id: &str,
        update: impl FnOnce(Value) -> Result<Value, ScimError>,
    ) -> Result<Self::View, ScimError>;

    /// Deletes a record.
    fn delete(store: &Store, directory: &str, id: &str) -> Result<(), DirectoryError>;

    /// The record as a SCIM resource under `base`; `without_members` when a
    /// list excludes the `members` attribute.
    fn resource(base: &str, view: &Self::View, without_members: bool) -> Value;
}

/// `/Users`: a taken `userName` is a 409 `uniqueness`.
pub(crate) struct Users;

impl ScimKind for Users {
    type View = UserView;

    fn create(store: &Store, directory: &str, resource: Value) -> Result<UserView, ScimError> {
        Ok(store.scim_create_user(directory, resource)?)
    }

    fn get(store: &Store, directory: &str, id: &str) -> Result<UserView, DirectoryError> {
        store.directory_user(directory, id)
    }

    fn list(store: &Store, directory: &str) -> Result<Vec<UserView>, DirectoryError> {
        store.directory_users(directory)
    }

    fn update(
        store: &Store,
        directory: &str,
        id: &str,
        update: impl FnOnce(Value) -> Result<Value, ScimError>,
    ) -> Result<UserView, ScimError> {
        store.scim_update_user(directory, id, update)
    }

    fn delete(store: &Store, directory: &str, id: &str) -> Result<(), DirectoryError> {
        store.scim_delete_user(directory, id)
    }

    /// A user has no `members`.
    fn resource(base: &str, view: &UserView, _without_members: bool) -> Value {
        resources::user(base, view)
    }
}

/// `/Groups`: members must be the directory's users.
pub(crate) struct Groups;

impl ScimKind for Groups {
    type View = GroupView;

    fn create(store: &Store, directory: &str, resource: Value) -> Result<GroupView, ScimError> {
        Ok(store.scim_create_group(directory, resource)?)
    }

    fn get(store: &Store, directory: &str, id: &str) -> Result<GroupView, DirectoryError> {
        store.directory_group(directory, id)
    }

    fn list(store: &Store, directory: &str) -> Result<Vec<GroupView>, DirectoryError> {
        store.directory_groups(directory)
    }

    fn update(
        store: &Store,
        directory: &str,
        id: &str,
        update: impl FnOnce(Value) -> Result<Value, ScimError>,
    ) -> Result<GroupView, ScimError> {
        store.scim_update_group(directory, id, update)
    }

    fn delete(store: &Store, directory: &str, id: &str) -> Result<(), DirectoryError> {
        store.scim_delete_group(directory, id)
    }

    fn resource(base: &str, view: &GroupView, without_members: bool) -> Value {
        resources::group(base, view, without_members)
    }
}
