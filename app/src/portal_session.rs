//! What a portal's pages know of their user: the portal session that the
//! layout provides, the gate that shows a page only to a user who may use
//! it, and a full-page navigation. A leaf of the page modules: the layouts
//! (`portals`) and every module's pages import it, and it imports only the
//! design system, so pages never import the layouts that show them.

use leptos::prelude::*;
use shared::auth::CurrentUser;
use shared::{AppError, Permission, Portal};

use crate::components::Loading;

/// Navigates the whole page (not just the router), so every resource reloads
/// with the new session.
pub fn hard_navigate(to: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().assign(to);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = to;
}

/// The signed-in user of a portal, loaded once per portal load, and the
/// portal it is. Pages read it through [`signed_in`] or [`Gate`].
#[derive(Clone, Copy)]
pub struct PortalSession {
    me: Resource<Result<Option<CurrentUser>, AppError>>,
    portal: Portal,
}

/// The signed-in user, once known, if they may use this portal's pages (right
/// portal, no pending password change); `None` otherwise, while the portal
/// shows its sign-in form or notice instead. The user is also provided as
/// context for the components built after this, see [`current_user`].
///
/// Call it first thing inside a page's `Suspend`. Pages create their
/// resources at their top level, never inside a `Suspense`: on the server a
/// suspense renders its children more than once, and a resource created there
/// would load (and be audited) twice.
pub async fn signed_in() -> Option<CurrentUser> {
    let session = expect_context::<PortalSession>();
    let user = session.me.await.ok().flatten()?;
    if user.role.portal() != session.portal || !user.is_cleared() {
        return None;
    }
    provide_context(user.clone());
    Some(user)
}

impl PortalSession {
    /// The session of `portal`, whose user `me` loads; the layout provides it.
    pub fn new(me: Resource<Result<Option<CurrentUser>, AppError>>, portal: Portal) -> Self {
        Self { me, portal }
    }

    /// The portal's session, from inside one of its pages.
    pub fn get() -> PortalSession {
        expect_context::<PortalSession>()
    }

    /// Runs a page's data request once the portal knows that its user may use
    /// the page; otherwise answers `Unauthorized` without asking the server.
    /// Use it in the page's resources, so a signed-out visit makes no calls.
    pub async fn load<T>(
        self,
        request: impl std::future::Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        match self.me.await {
            Ok(Some(user)) if user.role.portal() == self.portal && user.is_cleared() => {
                request.await
            }
            Ok(_) => Err(AppError::Unauthorized),
            Err(e) => Err(e),
        }
    }

    /// [`load`](Self::load) for a part of a page that only roles holding
    /// `needs` see (a home-page tile): for any other role it answers
    /// `Forbidden` without asking the server, so a hidden part makes no
    /// call and leaves no refusal in the audit trail.
    pub async fn load_if<T>(
        self,
        needs: Permission,
        request: impl std::future::Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        self.load_as(needs, |_| request).await
    }

    /// [`load_if`](Self::load_if), with a request that depends on who the
    /// user is (their own list, or everyone's for the front desk).
    pub async fn load_as<T, F>(
        self,
        needs: Permission,
        request: impl FnOnce(CurrentUser) -> F,
    ) -> Result<T, AppError>
    where
        F: std::future::Future<Output = Result<T, AppError>>,
    {
        match self.me.await {
            Ok(Some(user)) if user.role.portal() == self.portal && user.is_cleared() => {
                if user.role.can(needs) {
                    request(user).await
                } else {
                    Err(AppError::Forbidden)
                }
            }
            Ok(_) => Err(AppError::Unauthorized),
            Err(e) => Err(e),
        }
    }
}

/// Shows its children only to a user who may use this portal's pages and,
/// with `needs`, whose role holds that permission.
#[component]
pub fn Gate(
    #[prop(default = None)] needs: Option<Permission>,
    children: ChildrenFn,
) -> impl IntoView {
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                signed_in()
                    .await
                    .filter(|user| needs.is_none_or(|p| user.role.can(p)))
                    .map(|_| children.with_value(|c| c()))
            })}
        </Suspense>
    }
}

/// The signed-in user, inside a portal.
pub fn current_user() -> CurrentUser {
    expect_context::<CurrentUser>()
}
