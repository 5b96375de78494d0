//! What a module contributes to the portals besides its routes: links in a
//! portal's menu ([`NavEntry`]) and cards on a portal's home page ([`Tile`]),
//! and the frame every tile is drawn in ([`TileCard`]). A leaf: it knows the
//! portal session and the design system, never a module's pages.
//!
//! Each module lists its own in `<module>/routes.rs` (`NAV`, `TILES`);
//! `modules.rs` gathers them, and `rank` orders them across modules.

use leptos::prelude::*;
use leptos::tachys::view::iterators::StaticVec;
use leptos_router::any_nested_route::{AnyNestedRoute, IntoAnyNestedRoute};
use shared::{AppError, Permission, Portal};

use crate::components::{ErrorBox, Loading};
use crate::portal_session::Gate;

/// A link in one portal's menu.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NavEntry {
    pub portal: Portal,
    pub href: &'static str,
    pub label: &'static str,
    /// Shown only to roles that hold it (the page itself still checks).
    pub permission: Option<Permission>,
    /// Place in the menu, lowest first, across every module's entries.
    pub rank: u16,
}

impl NavEntry {
    /// A link shown to everyone who may use the portal.
    pub const fn new(portal: Portal, rank: u16, href: &'static str, label: &'static str) -> Self {
        NavEntry {
            portal,
            href,
            label,
            permission: None,
            rank,
        }
    }

    /// The same link, shown only to roles that hold `permission`.
    pub const fn needs(self, permission: Permission) -> Self {
        NavEntry {
            permission: Some(permission),
            ..self
        }
    }
}

/// A card on a portal's home page. `view` builds the tile's component,
/// which creates its resources at its own top level (never inside a
/// suspense) and shows itself inside a [`TileCard`].
#[derive(Clone, Copy)]
pub struct Tile {
    /// Place on the page, lowest first, across every module's tiles.
    pub rank: u16,
    pub view: fn() -> AnyView,
}

impl Tile {
    pub const fn new(rank: u16, view: fn() -> AnyView) -> Self {
        Tile { rank, view }
    }
}

/// A module's home-page tiles, one list per portal. Separate lists, not one
/// list filtered by portal: each portal's home is a piece of the wasm of its
/// own (`lazy_pages!`), and it should hold the code of its own tiles only.
#[derive(Clone, Copy)]
pub struct PortalTiles {
    pub patient: &'static [Tile],
    pub clinic: &'static [Tile],
    pub admin: &'static [Tile],
}

impl PortalTiles {
    /// No tiles anywhere; `PortalTiles { clinic: &[…], ..PortalTiles::NONE }`.
    pub const NONE: PortalTiles = PortalTiles {
        patient: &[],
        clinic: &[],
        admin: &[],
    };
}

/// The tiles of every module's `lists` for one portal, lowest rank first.
pub fn ranked(lists: &[&[Tile]]) -> Vec<Tile> {
    let mut tiles: Vec<Tile> = lists.iter().flat_map(|l| l.iter().copied()).collect();
    tiles.sort_by_key(|t| t.rank);
    tiles
}

/// The menu entries of `portal` among every module's `lists`, lowest rank first.
pub fn of_portal(lists: &[&[NavEntry]], portal: Portal) -> Vec<NavEntry> {
    let mut entries: Vec<NavEntry> = lists
        .iter()
        .flat_map(|list| list.iter().copied())
        .filter(|e| e.portal == portal)
        .collect();
    entries.sort_by_key(|e| e.rank);
    entries
}

/// The route fragment of a module with no pages in some portal. Not `()`:
/// leptos_router's `()` matches every path (a tuple's first member that
/// matches wins, so it would hide the modules after it) and lists the
/// parent's own path as a page a second time. An empty list matches nothing
/// and lists nothing.
pub fn no_routes() -> AnyNestedRoute {
    StaticVec::<AnyNestedRoute>::from(Vec::new()).into_any_nested_route()
}

/// A home-page tile: a card with a heading (`id` names it, and must be
/// unique on the page), shown once the portal knows its user, and only to
/// roles that hold `needs`. A tile that loads data asks for it with
/// [`PortalSession::load_if`](crate::portal_session::PortalSession::load_if)
/// and the same permission, so a hidden tile makes no call.
#[component]
pub fn TileCard(
    id: &'static str,
    title: &'static str,
    #[prop(default = None)] needs: Option<Permission>,
    /// Extra classes (`tile--wide` spans the whole row).
    #[prop(default = "")]
    class: &'static str,
    children: ChildrenFn,
) -> impl IntoView {
    let children = StoredValue::new(children);
    view! {
        <Gate needs>
            <section class=format!("card tile {class}") aria-labelledby=id>
                <h2 id=id>{title}</h2>
                {children.with_value(|c| c())}
            </section>
        </Gate>
    }
}

/// A tile's body drawn from its data: loading, then `show` of the answer,
/// or what went wrong. `data` is the resource the tile created at its top.
pub fn loaded<T>(data: Resource<Result<T, AppError>>, show: fn(T) -> AnyView) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    view! {
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(value) => show(value),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// A tile's list: `empty` when there is nothing to list, otherwise one item
/// per row and, when the server cut the list short, how many there are.
pub fn tile_list<T>(
    rows: Vec<T>,
    total: Option<u64>,
    empty: &'static str,
    row: impl Fn(T) -> AnyView,
) -> AnyView {
    if rows.is_empty() {
        return view! { <p class="muted">{empty}</p> }.into_any();
    }
    let shown = rows.len();
    view! {
        <ul class="tile-list">
            {rows.into_iter().map(|r| view! { <li class="tile-list__item">{row(r)}</li> }).collect_view()}
        </ul>
        {total.and_then(|total| shown_of(shown, total)).map(|t| view! { <p class="muted">{t}</p> })}
    }
    .into_any()
}

/// "Showing 10 of 14." when a list is cut short.
pub fn shown_of(shown: usize, total: u64) -> Option<String> {
    (total > shown as u64).then(|| format!("Showing {shown} of {total}."))
}

/// Declares pages whose code the browser fetches only when one of them is
/// first shown: `area in piece { Name => view, … }`. An area (a module's
/// pages in one portal) becomes one `#[lazy]` function; `piece` names the
/// piece of the wasm it goes into (`cargo leptos build --split`). Areas of
/// several modules share a piece, and what several pieces share goes into
/// chunks of their own. Pieces per portal, not per page: the splitter makes
/// a chunk for every set of pieces that share some code, so a piece per page
/// meant 120–180 wasm files for one portal home (docs/benchmarks.md).
///
/// Each `Name => view` is a unit struct that a route takes as
/// `view={Lazy::<Name>::new()}`; the server renders it as any view and tells
/// the browser to preload the pieces the page used. Area names are unique in
/// the crate (they name the function), in snake case.
///
/// A piece's full name is `piece` plus a hash of where `#[lazy]` is written.
/// Written inside this macro, that place is the same for every use, so the
/// same `piece` in two modules is one piece.
#[macro_export]
macro_rules! lazy_pages {
    ($($area:ident in $split:ident { $($name:ident => $view:expr),+ $(,)? })+) => {$(
        /// The pages of this area, to say which one to draw.
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy)]
        #[repr(u8)]
        pub enum $area {
            $($name,)+
            /// Draws nothing: calling it loads the piece ahead of the page.
            __Preload,
        }

        /// Draws one page of the area: the code that goes into its piece.
        #[doc(hidden)]
        #[::leptos::lazy($split)]
        pub fn $area(page: $area) -> ::leptos::prelude::AnyView {
            match page {
                $($area::$name => ::leptos::prelude::IntoAny::into_any($view),)+
                $area::__Preload => ::leptos::prelude::IntoAny::into_any(()),
            }
        }

        $(
            pub struct $name;

            impl ::leptos_router::LazyRoute for $name {
                fn data() -> Self {
                    $name
                }

                async fn view(_this: Self) -> ::leptos::prelude::AnyView {
                    $area($area::$name).await
                }

                // The router loads the piece before it hydrates or draws
                // the page: hydrating a page whose code is still on its way
                // fails. (What `#[lazy_route]` does with the preload
                // function that `#[lazy]` generates, whose name a
                // `macro_rules!` cannot spell.)
                async fn preload() {
                    #[cfg(target_arch = "wasm32")]
                    let _ = $area($area::__Preload).await;
                }
            }
        )+
    )+};
}
