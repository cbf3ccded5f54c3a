//! Classes: Rust structs exposed to Python as types with methods, and exception types.
//!
//! A class is a Rust struct marked `#[mpy::class]`. Its instances live on MicroPython's
//! heap as `{ type pointer, value: T }`; the type object itself lives in the module's BSS
//! (see [`TypeSlot`]). A declared class (`#[mpy::class(constructor = f, methods = [g])]`)
//! listed in `#[mpy::module(classes = [...])]` is built first thing in `mpy_init`; one the
//! module does not list is built when first used; others are built by
//! [`Module::add_class`].
//!
//! * The constructor is an ordinary `#[mpy::function]` returning `T` (or `PyResult<T>`);
//!   `T(...)` in Python calls it.
//! * Methods are `#[mpy::function]`s whose first parameter is `&T`: MicroPython binds
//!   functions found in a type's namespace as methods.
//! * Instances are shared (`&T`), as Python objects are: mutate through `Cell`/`RefCell`.
//! * Instances are freed by the garbage collector, which does not run `Drop`. Heap data
//!   owned by `T` (`Vec`, `String`, `Box` from the module's allocator) is GC memory and is
//!   reclaimed with the instance; do not give `T` resources that need a destructor.
//!
//! ```text
//! #[mpy::class]
//! struct Counter { n: Cell<i64> }
//!
//! #[mpy::function(positional)]
//! fn new(start: i64) -> Counter { Counter { n: Cell::new(start) } }
//!
//! #[mpy::function(positional)]
//! fn incr(this: &Counter) -> i64 { this.n.set(this.n.get() + 1); this.n.get() }
//!
//! // in #[mpy::module]:
//! m.add_class::<Counter>()?.constructor(&new::DEF).method(&incr::DEF).finish()?;
//! ```

use core::cell::Cell;
use core::ffi::c_int;
use core::marker::PhantomData;

use mpy_sys::{self as sys, MpObj, MpObjFullType, MpObjType, MpPrint, Qstr as RawQstr};

use crate::conv::{FromObj, IntoObj};
use crate::err::{Msg, PyErr, PyResult, StackStr};
use crate::exceptions::{ExceptionType, TypeError};
use crate::ffi;
use crate::function::Function;
use crate::module::Module;
use crate::obj::{Obj, Qstr};

/// A Rust type exposed to Python as a class. Implement it with `#[mpy::class]`.
///
/// Its instances live on MicroPython's heap as `{ type pointer, value: T }`; the type object
/// lives in the module's BSS. A declared class (`#[mpy::class(constructor = f, methods =
/// [g])]`) listed in `#[mpy::module(classes = [...])]` is built first thing in `mpy_init`;
/// one the module does not list is built when first used; others are built by
/// [`Module::add_class`].
///
/// * The constructor is an ordinary `#[mpy::function]` returning `T` (or `PyResult<T>`);
///   `T(...)` in Python calls it.
/// * Methods are `#[mpy::function]`s whose first parameter is `&T`: MicroPython binds
///   functions found in a type's namespace as methods.
/// * Instances are shared (`&T`), as Python objects are: mutate through `Cell`/`RefCell`.
/// * Instances are freed by the garbage collector, which does not run `Drop`. Heap data
///   owned by `T` (`Vec`, `String`, `Box` from the module's allocator) is GC memory and is
///   reclaimed with the instance; do not give `T` resources that need a destructor.
///
/// The crate documentation has an example. What the macro generates besides the name (the
/// type object's storage, the constructor and the methods) is the supertrait `ClassImpl`,
/// which is not a stable API.
pub trait Class: ClassImpl + Sized + 'static {
    /// The class name seen from Python.
    fn name() -> Qstr;
}

// The items of this file keep the lines they had before the file was split: the runtime's
// panic locations (file and line) are data in a module, so moving code that can panic
// (the slot index in `ClassBuilder::set_slot`) would change the bytes of every module
// that keeps it. The slot functions, the traits the macros implement and the module
// exception types are in `class/slots.rs`, included at the end.

/// Implemented by `#[mpy::module(classes = [...], exceptions = [...])]` for each type it
/// lists: the module's `mpy_init` builds the type first, before any other code of the
/// module runs.
///
/// # Safety
///
/// Only the module macro may implement it, for the types whose building it generates.
// Reached by the macros through `mpy::impl_`.
pub unsafe trait BuiltByInit {}

/// The type object of a class or custom exception: static storage, filled in when the module
/// registers the type (as C modules keep theirs in BSS).
///
/// The `#[mpy::class]` and `create_exception!` macros give each type one exported static,
/// which the linker places in the module's BSS (reached through the GOT), so the type costs
/// no bytes in the `.mpy` file and is never moved or freed by the garbage collector.
// Reached by the macros through `mpy::impl_`.
pub struct TypeSlot {
    ty: core::cell::UnsafeCell<MpObjFullType>,
    pub(crate) ctor: Cell<Option<&'static Function>>,
}

// SAFETY: written only while the module initialises (MicroPython runs module code
// with the interpreter lock held), read afterwards.
unsafe impl Sync for TypeSlot {}

impl TypeSlot {
    /// An empty slot.
    pub const fn new() -> TypeSlot {
        TypeSlot {
            // SAFETY: an all-zero type object is valid (null pointers, no slots).
            ty: core::cell::UnsafeCell::new(unsafe { core::mem::zeroed() }),
            ctor: Cell::new(None),
        }
    }

    /// The type object's storage.
    fn raw(&self) -> *mut MpObjFullType {
        self.ty.get()
    }

    /// The registered type, if any.
    pub fn get(&self) -> Option<*const MpObjType> {
        let t = self.raw();
        // SAFETY: the storage is a valid (possibly zeroed) type object.
        let registered = unsafe { !(*t).head.base.type_.is_null() };
        registered.then_some(t.cast_const().cast())
    }

    /// Start (re)building the type: cleared, then named and typed as a type object.
    ///
    /// # Safety
    ///
    /// Only while the module initialises, with no reference into the storage alive.
    unsafe fn start(&self, name: Qstr) -> *mut MpObjFullType {
        // SAFETY: per the contract.
        unsafe {
            *self.raw() = core::mem::zeroed();
            self.start_fresh(name)
        }
    }

    /// [`start`](Self::start) for storage that is still all zero (a module's BSS when it
    /// is loaded; each type registered once).
    ///
    /// # Safety
    ///
    /// As `start`, and the storage must be zero.
    unsafe fn start_fresh(&self, name: Qstr) -> *mut MpObjFullType {
        let ty = self.raw();
        // SAFETY: per the contract.
        unsafe {
            (*ty).head.base.type_ = ffi::table().type_type;
            (*ty).head.name = name.as_raw() as u16;
        }
        ty
    }
}

impl Default for TypeSlot {
    fn default() -> Self {
        Self::new()
    }
}

/// An instance on the heap: the object header, then the Rust value.
#[repr(C)]
struct Instance<T> {
    base: sys::MpObjBase,
    value: T,
}

fn not_registered() -> PyErr {
    crate::err!(TypeError, "class not registered")
}

/// Append slot `value` of `kind` to a type under construction whose first `*n` slots are
/// in use.
fn push_slot(ty: &mut MpObjFullType, n: &mut u8, kind: SlotKind, value: *const core::ffi::c_void) {
    // Callers push at most six slots, far fewer than the type has; `get_mut` keeps a
    // bounds-check panic (and the panic machinery) out of every module with a class.
    if let Some(slot) = ty.slots.get_mut(usize::from(*n)) {
        *slot = value;
        *n += 1;
        *kind.index_mut(&mut ty.head) = *n;
    }
}

/// Build the type object of a declared class (`#[mpy::class(constructor = f, methods =
/// [g])]`) unless it is built already: its constructor and a namespace with its methods.
///
/// # Safety
///
/// May raise (`MemoryError`): the caller's frames must own nothing with a destructor.
// Reached by the macros through `mpy::impl_`.
pub unsafe fn ensure_class<T: Class>() {
    if T::built_by_init() || T::slot().get().is_some() {
        return;
    }
    // SAFETY: per the contract; the storage is still zero (never built).
    unsafe { build_class::<T>() }
}

/// Build the type object of declared class `T`: `#[mpy::module(classes = [T])]` calls it
/// first thing in `mpy_init`, `ensure_class` on first use for a class the module does not
/// list.
///
/// # Safety
///
/// The storage must still be zero (never built), and the caller's frames must own nothing
/// with a destructor (a failure raises `MemoryError`).
// Reached by the macros through `mpy::impl_`.
pub unsafe fn build_class<T: Class>() {
    let t = ffi::table();
    // SAFETY: per the contract; the type is not visible to Python before it is complete.
    unsafe {
        let full = &mut *T::slot().start_fresh(T::name());
        let mut n = 0u8;
        if let Some(f) = T::MAKE_NEW {
            push_slot(
                full,
                &mut n,
                SlotKind::MakeNew,
                f as *const core::ffi::c_void,
            );
        }
        if !T::METHODS.is_empty() {
            let locals = (t.new_dict)(T::METHODS.len());
            for f in T::METHODS {
                (t.dict_store)(locals, f.name().as_obj().0, f.as_obj().0);
            }
            push_slot(
                full,
                &mut n,
                SlotKind::LocalsDict,
                locals.cast_const().cast(),
            );
        }
    }
}

/// `#[mpy::module(classes = [T])]`: store the type object of declared class `T` (built
/// by [`build_class`] when the module started) in `globals`, with a direct firmware call.
///
/// # Safety
///
/// `globals` must be the module's dict, and the caller's frames must own nothing with a
/// destructor (a failure raises).
// Reached by the macros through `mpy::impl_`.
pub unsafe fn register_class<T: Class + BuiltByInit>(globals: *mut sys::MpObjDict) {
    const {
        assert!(
            T::DECLARED,
            "`classes = [...]` takes classes declared with `#[mpy::class(constructor = ..., methods = [...])]`; register others with `m.add_class::<T>()`"
        )
    };
    // SAFETY: per the contract.
    unsafe {
        (ffi::table().dict_store)(globals.cast(), T::name().as_obj().0, T::slot().raw().cast());
    }
}

/// Exception type `E` (a subclass of its declared base), built now unless it is built
/// already.
///
/// # Safety
///
/// May raise: the caller's frames must own nothing with a destructor.
// Reached by the macros through `mpy::impl_`.
pub unsafe fn ensure_exception<E: CustomException>() -> Obj {
    let slot = E::slot();
    if !E::built_by_init() && slot.get().is_none() {
        // SAFETY: per the contract; the storage is still zero.
        unsafe { build_exception::<E>() };
    }
    Obj(slot.raw().cast())
}

/// Build exception type `E`: `#[mpy::module(exceptions = [E])]` calls it first thing in
/// `mpy_init`, `ensure_exception` on first use for an exception the module does not
/// list.
///
/// # Safety
///
/// The storage must still be zero (never built); may raise (looking the base up), so the
/// caller's frames must own nothing with a destructor.
// Reached by the macros through `mpy::impl_`.
pub unsafe fn build_exception<E: CustomException>() {
    // SAFETY: per the contract.
    unsafe {
        let base = E::Base::type_object_raising();
        init_exception_type(&mut *E::slot().start_fresh(E::name()), base);
    }
}

/// `#[mpy::module(exceptions = [E])]`: store exception type `E` (built by
/// [`build_exception`] when the module started) in `globals`, with a direct firmware call.
///
/// # Safety
///
/// As [`register_class`].
// Reached by the macros through `mpy::impl_`.
pub unsafe fn register_exception<E: CustomException + BuiltByInit>(globals: *mut sys::MpObjDict) {
    // SAFETY: per the contract.
    unsafe {
        (ffi::table().dict_store)(globals.cast(), E::name().as_obj().0, E::slot().raw().cast());
    }
}

/// Give a fresh type object the slots every exception type shares with `Exception`
/// (make_new, print, attr) and `base` as its parent, as the C dynruntime's
/// `mp_obj_exception_init` does.
fn init_exception_type(full: &mut MpObjFullType, base: Obj) {
    let exc = ffi::exception_type();
    // `Exception` has all three slots in every firmware; read without a presence check and
    // placed at fixed positions, as the C dynruntime's `mp_obj_exception_init` does.
    // SAFETY: `exc` is the firmware's `Exception` type object, which has these slots.
    let (make_new, print, attr) = unsafe {
        (
            read_present_slot(exc, SlotKind::MakeNew),
            read_present_slot(exc, SlotKind::Print),
            read_present_slot(exc, SlotKind::Attr),
        )
    };
    let mut n = 0u8;
    push_slot(full, &mut n, SlotKind::MakeNew, make_new);
    push_slot(full, &mut n, SlotKind::Print, print);
    push_slot(full, &mut n, SlotKind::Attr, attr);
    push_slot(full, &mut n, SlotKind::Parent, base.0.cast_const().cast());
}

/// Moves `value` into a new instance of type `ty` on the GC heap; `None` (the value
/// dropped) when there is no room. Not zeroed: the instance is written whole, as C's
/// `mp_obj_malloc` does.
pub(crate) fn place_instance<T: Class>(ty: *const MpObjType, value: T) -> Option<Obj> {
    const {
        assert!(
            core::mem::align_of::<Instance<T>>() <= crate::alloc_heap::HEAP_ALIGN,
            "a class's alignment must not exceed the GC block alignment"
        )
    };
    // SAFETY: a null pointer asks `gc_realloc` for a fresh block; it does not raise.
    let p = unsafe {
        ffi::heap_realloc(
            core::ptr::null_mut(),
            core::mem::size_of::<Instance<T>>(),
            false,
        )
    }
    .cast::<Instance<T>>();
    if p.is_null() {
        return None;
    }
    // SAFETY: a fresh, suitably aligned block of the instance's size.
    unsafe {
        p.write(Instance {
            base: sys::MpObjBase { type_: ty },
            value,
        })
    };
    Some(Obj(p.cast()))
}

/// Moves `value` into a new instance of its class.
fn new_instance<T: Class>(value: T) -> PyResult<Obj> {
    let ty = match T::slot().get() {
        Some(ty) => ty,
        None if T::DECLARED => {
            // SAFETY: building the type makes firmware calls only and owns nothing.
            unsafe { ffi::protect(|| ensure_class::<T>()) }.map_err(PyErr::from_raised)?;
            T::slot().raw().cast_const().cast()
        }
        None => return Err(not_registered()),
    };
    place_instance(ty, value).ok_or_else(crate::obj::out_of_memory)
}

/// A new instance of the class.
impl<T: Class> IntoObj for T {
    fn into_obj(self) -> PyResult<Obj> {
        new_instance(self)
    }
    unsafe fn into_obj_raising(self) -> Obj {
        let ty: *const MpObjType = if T::DECLARED {
            // SAFETY: forwarded from the caller.
            unsafe { ensure_class::<T>() };
            T::slot().raw().cast_const().cast()
        } else {
            match T::slot().get() {
                Some(ty) => ty,
                // SAFETY: forwarded from the caller (the value is plain).
                None => unsafe { not_registered().raise() },
            }
        };
        match place_instance(ty, self) {
            Some(o) => o,
            // SAFETY: forwarded from the caller; the value is plain, so nothing is skipped.
            None => unsafe { crate::obj::out_of_memory().raise() },
        }
    }
}

/// The Rust value inside an instance of the class (exact type, not a Python subclass).
impl<'a, T: Class> FromObj<'a> for &'a T {
    fn from_obj(obj: &'a Obj) -> PyResult<&'a T> {
        match T::slot().get() {
            Some(ty) if ffi::type_of(obj.0) == ty => {
                // SAFETY: objects of this type are only made by `new_instance::<T>`; the
                // instance outlives the borrow of `obj`.
                Ok(unsafe { &(*obj.0.cast::<Instance<T>>()).value })
            }
            _ => Err(PyErr::new::<TypeError>(
                Msg::new()
                    .s("expected ")
                    .q(T::name())
                    .s(", got '")
                    .q(obj.type_name())
                    .s("'"),
            )),
        }
    }
    unsafe fn from_obj_raising(obj: &'a Obj) -> &'a T {
        // No object has the type before it is built, so the comparison with the storage's
        // address suffices. Instances are heap objects: a word with either low bit set is
        // an immediate (small int, qstr, None/True/False) and cannot be one; a heap object
        // starts with its type.
        let ty: *const MpObjType = T::slot().raw().cast_const().cast();
        let raw = obj.0;
        // SAFETY: with both low bits clear the word points at an object header.
        let is_instance =
            raw as usize & 3 == 0 && unsafe { (*raw.cast::<sys::MpObjBase>()).type_ } == ty;
        if !is_instance {
            // A fixed message: naming both types would link the message builder into
            // every module with a class.
            // SAFETY: forwarded from the caller.
            unsafe { crate::err!(TypeError, "argument has wrong type").raise() }
        }
        // SAFETY: as in `from_obj`.
        unsafe { &(*obj.0.cast::<Instance<T>>()).value }
    }
}

/// Printing an instance (`print(x)`, `repr(x)`); enable with [`ClassBuilder::repr`].
pub trait Repr {
    /// Write the text; `repr` says whether `repr()` rather than `str()` is wanted.
    fn repr(&self, out: &mut Printer<'_>, repr: bool);
}

/// Attributes computed by Rust (properties); enable with [`ClassBuilder::attrs`].
/// Names they do not handle fall back to the class namespace (methods, constants).
pub trait Attrs {
    /// `x.name`: `None` when this is not one of the computed attributes.
    fn get_attr(&self, name: Qstr) -> Option<PyResult<Obj>>;
    /// `x.name = value`: `None` when the attribute cannot be set.
    fn set_attr(&self, name: Qstr, value: Obj) -> Option<PyResult<()>> {
        let _ = (name, value);
        None
    }
}

/// Output of a [`Repr`] implementation: MicroPython's printer for this call.
pub struct Printer<'a> {
    print: *const MpPrint,
    _life: PhantomData<&'a MpPrint>,
}

impl Printer<'_> {
    /// Write text.
    pub fn str(&mut self, s: &str) -> &mut Self {
        // SAFETY: `print` is the printer the firmware passed to the print slot; its
        // `print_strn` writes `len` bytes and does not raise.
        unsafe { ((*self.print).print_strn)((*self.print).data, s.as_ptr().cast(), s.len()) };
        self
    }
    /// Write a decimal integer.
    pub fn int(&mut self, n: i64) -> &mut Self {
        let mut buf = StackStr::<24>::new();
        buf.push_int(n);
        self.str(buf.as_str())
    }
}

impl core::fmt::Write for Printer<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.str(s);
        Ok(())
    }
}

/// Builds a class's type object; from [`Module::add_class`].
pub struct ClassBuilder<'m, T: Class> {
    _module: PhantomData<&'m ()>,
    ty: *mut MpObjFullType,
    next_slot: u8,
    locals: Obj,
    _t: PhantomData<T>,
}

impl Module<'_> {
    /// Start registering class `T`; finish with [`ClassBuilder::finish`].
    pub fn add_class<T: Class>(&self) -> PyResult<ClassBuilder<'_, T>> {
        let locals = Obj(ffi::new_dict(4).map_err(PyErr::from_raised)?);
        // SAFETY: the module is initialising; the builder is the only user of the storage
        // until `finish` publishes it.
        let ty: *mut MpObjFullType = unsafe { T::slot().start(T::name()) };
        let mut b = ClassBuilder {
            _module: PhantomData,
            ty,
            next_slot: 0,
            locals,
            _t: PhantomData,
        };
        b.set_slot(SlotKind::LocalsDict, locals.0.cast_const().cast());
        Ok(b)
    }

    /// Register exception type `E` (declared with [`create_exception!`](crate::create_exception))
    /// as a subclass of `Base`.
    pub fn add_exception<E: CustomException, Base: ExceptionType>(&self) -> PyResult<Obj> {
        let base = Base::type_object()?;
        // SAFETY: the module is initialising; nothing else refers to the storage yet.
        unsafe { init_exception_type(&mut *E::slot().start(E::name()), base) };
        let obj = Obj(E::slot().raw().cast());
        self.add(E::name(), obj)?;
        Ok(obj)
    }
}

/// The type's slots, in `mp_obj_type_t` order.
#[derive(Clone, Copy)]
enum SlotKind {
    MakeNew,
    Print,
    BinaryOp,
    Attr,
    LocalsDict,
    Parent,
}

impl SlotKind {
    fn index_mut(self, t: &mut MpObjType) -> &mut u8 {
        match self {
            SlotKind::MakeNew => &mut t.slot_index_make_new,
            SlotKind::Print => &mut t.slot_index_print,
            SlotKind::BinaryOp => &mut t.slot_index_binary_op,
            SlotKind::Attr => &mut t.slot_index_attr,
            SlotKind::LocalsDict => &mut t.slot_index_locals_dict,
            SlotKind::Parent => &mut t.slot_index_parent,
        }
    }
}

/// A slot that type `ty` is known to have, read through its index.
///
/// # Safety
///
/// `ty` must be a valid type object with slot `kind`.
unsafe fn read_present_slot(ty: *const MpObjType, kind: SlotKind) -> *const core::ffi::c_void {
    // SAFETY: per the contract; the index is at least 1.
    unsafe {
        let i = slot_index(&*ty, kind);
        let slots = ty
            .cast::<u8>()
            .add(core::mem::offset_of!(MpObjFullType, slots))
            .cast::<*const core::ffi::c_void>();
        *slots.add(usize::from(i).wrapping_sub(1))
    }
}

/// The slot index field of `kind` (0: the type has no such slot).
fn slot_index(head: &MpObjType, kind: SlotKind) -> u8 {
    match kind {
        SlotKind::MakeNew => head.slot_index_make_new,
        SlotKind::Print => head.slot_index_print,
        SlotKind::BinaryOp => head.slot_index_binary_op,
        SlotKind::Attr => head.slot_index_attr,
        SlotKind::LocalsDict => head.slot_index_locals_dict,
        SlotKind::Parent => head.slot_index_parent,
    }
}

impl<'m, T: Class> ClassBuilder<'m, T> {
    fn set_slot(&mut self, kind: SlotKind, value: *const core::ffi::c_void) {
        // SAFETY: `ty` is the type object under construction, owned by this builder.
        let full = unsafe { &mut *self.ty };
        let idx = kind.index_mut(&mut full.head);
        if *idx == 0 {
            self.next_slot += 1;
            *idx = self.next_slot;
        }
        full.slots[usize::from(*idx - 1)] = value;
    }

    /// `T(...)` calls `f`, a `#[mpy::function]` returning `T`.
    pub fn constructor(mut self, f: &'static Function) -> Self {
        T::slot().ctor.set(Some(f));
        self.set_slot(SlotKind::MakeNew, make_new::<T> as *const core::ffi::c_void);
        self
    }

    /// A method: `f`'s first parameter is `&T`; it is bound to the instance.
    pub fn method(self, f: &'static Function) -> PyResult<Self> {
        self.constant(f.name(), f.as_obj())
    }

    /// A class attribute (`T.name`, also seen through instances).
    pub fn constant(self, name: Qstr, value: impl IntoObj) -> PyResult<Self> {
        let v = value.into_obj()?;
        ffi::dict_store(self.locals.0, name.as_obj().0, v.0).map_err(PyErr::from_raised)?;
        Ok(self)
    }

    /// A base class (a type object, for example another registered class).
    pub fn parent(mut self, base: Obj) -> Self {
        self.set_slot(SlotKind::Parent, base.0.cast_const().cast());
        self
    }

    /// `print(x)`/`repr(x)` through [`Repr`].
    pub fn repr(mut self) -> Self
    where
        T: Repr,
    {
        self.set_slot(SlotKind::Print, print::<T> as *const core::ffi::c_void);
        self
    }

    /// Computed attributes through [`Attrs`].
    pub fn attrs(mut self) -> Self
    where
        T: Attrs,
    {
        self.set_slot(SlotKind::Attr, attr::<T> as *const core::ffi::c_void);
        self
    }

    /// `==` and `!=` between instances through `PartialEq`.
    pub fn eq(mut self) -> Self
    where
        T: PartialEq,
    {
        self.set_slot(
            SlotKind::BinaryOp,
            binary_op_eq::<T> as *const core::ffi::c_void,
        );
        self
    }

    /// Record the class and add it to the module namespace; returns the type object.
    pub fn finish(self) -> PyResult<Obj> {
        let obj = Obj(self.ty.cast());
        ffi::store_global(T::name().as_raw(), obj.0).map_err(PyErr::from_raised)?;
        Ok(obj)
    }
}

include!("class/slots.rs");
