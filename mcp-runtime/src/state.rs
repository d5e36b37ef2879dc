//! Typed shared state registered on the server and read by tools through [`Ctx::state`](crate::Ctx::state).

use std::any::{type_name, Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

/// A map from type to one shared value of that type.
#[derive(Default)]
pub(crate) struct StateMap(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl StateMap {
    pub(crate) fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Arc::new(value));
    }

    pub(crate) fn get<T: Send + Sync + 'static>(&self) -> Result<&T, MissingState> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref::<T>())
            .ok_or(MissingState(type_name::<T>()))
    }
}

/// A tool asked for state of a type that was never registered with `Server::state`.
#[derive(Debug, thiserror::Error)]
#[error(
    "no shared state of type `{0}` is registered on this server; add it with Server::state(..)"
)]
pub struct MissingState(&'static str);
