use crate::error::Result;
use crate::models::{Room, Subscription};

/// Rooms and subscriptions.
pub trait RoomStore {
    /// Inserts a room together with its first subscriptions, atomically.
    fn insert_room(&self, room: &Room, subscriptions: &[Subscription]) -> Result<()>;
    fn update_room(&self, room: &Room) -> Result<()>;
    /// Deletes a room with its subscriptions and messages.
    fn delete_room(&self, id: &str) -> Result<()>;
    fn room_by_id(&self, id: &str) -> Result<Option<Room>>;
    /// Case-insensitive lookup among channels and groups.
    fn room_by_name(&self, name: &str) -> Result<Option<Room>>;
    fn rooms_by_ids(&self, ids: &[String]) -> Result<Vec<Room>>;
    /// Rooms of the given types (all when empty).
    fn rooms_by_types(&self, types: &[&str]) -> Result<Vec<Room>>;
    fn insert_subscription(&self, sub: &Subscription) -> Result<()>;
    fn update_subscription(&self, sub: &Subscription) -> Result<()>;
    fn delete_subscription(&self, rid: &str, user_id: &str) -> Result<()>;
    fn subscription(&self, rid: &str, user_id: &str) -> Result<Option<Subscription>>;
    fn subscriptions_of_user(&self, user_id: &str) -> Result<Vec<Subscription>>;
    fn subscriptions_of_room(&self, rid: &str) -> Result<Vec<Subscription>>;
}
