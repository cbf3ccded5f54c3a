//! Classes: Rust structs exposed to Python as types with methods, and exception types.
//!
//! A class is a Rust struct marked `#[mpy::class]`. Its instances live on MicroPython's
//! heap as `{ type pointer, value: T }`; the type object itself is created on the heap when
//! the module registers it ([`Module::add_class`]) and is kept alive by the module's
//! namespace.
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
pub trait Class: Sized + 'static {
    /// The class name seen from Python.
    fn name() -> Qstr;
    /// Where the registered type object is recorded (one per class, in the module's BSS).
    #[doc(hidden)]
    fn slot() -> &'static TypeSlot;
    /// `#[mpy::class(constructor = f)]`: the type's `make_new` slot, `f`'s own
    /// constructor entry point (arguments checked as `f` checks them).
    #[doc(hidden)]
    const MAKE_NEW: Option<sys::MpMakeNewFun> = None;
    /// `#[mpy::class(methods = [f, g])]`: the methods.
    #[doc(hidden)]
    const METHODS: &'static [Function] = &[];
    /// Whether the type is declared by `#[mpy::class(constructor = .., methods = [..])]`
    /// and so can be built whenever it is first needed (else the module builds it with
    /// [`Module::add_class`]).
    #[doc(hidden)]
    const DECLARED: bool = false;
}

/// The type object of a class or custom exception: static storage, filled in when the module
/// registers the type (as C modules keep theirs in BSS).
///
/// The `#[mpy::class]` and `create_exception!` macros give each type one exported static,
/// which the linker places in the module's BSS (reached through the GOT), so the type costs
/// no bytes in the `.mpy` file and is never moved or freed by the garbage collector.
#[doc(hidden)]
pub struct TypeSlot {
    ty: core::cell::UnsafeCell<MpObjFullType>,
    ctor: Cell<Option<&'static Function>>,
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
#[doc(hidden)]
pub unsafe fn ensure_class<T: Class>() {
    if T::slot().get().is_some() {
        return;
    }
    let t = ffi::table();
    // SAFETY: per the contract; the storage is still zero (never built), and the type is
    // not visible to Python before it is complete.
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

/// `#[mpy::module(classes = [T])]`: store the type object of declared class `T` in
/// `globals` (building it if nothing has yet), with direct firmware calls.
///
/// # Safety
///
/// `globals` must be the module's dict, and the caller's frames must own nothing with a
/// destructor (a failure raises).
#[doc(hidden)]
pub unsafe fn register_class<T: Class>(globals: *mut sys::MpObjDict) {
    const {
        assert!(
            T::DECLARED,
            "`classes = [...]` takes classes declared with `#[mpy::class(constructor = ..., methods = [...])]`; register others with `m.add_class::<T>()`"
        )
    };
    // SAFETY: per the contract.
    unsafe {
        ensure_class::<T>();
        (ffi::table().dict_store)(globals.cast(), T::name().as_obj().0, T::slot().raw().cast());
    }
}

/// Build exception type `E` (a subclass of its declared base) unless it is built already.
///
/// # Safety
///
/// May raise: the caller's frames must own nothing with a destructor.
#[doc(hidden)]
pub unsafe fn ensure_exception<E: CustomException>() -> Obj {
    let slot = E::slot();
    if slot.get().is_none() {
        // SAFETY: per the contract; the storage is still zero.
        unsafe {
            let base = E::Base::type_object_raising();
            init_exception_type(&mut *slot.start_fresh(E::name()), base);
        }
    }
    Obj(slot.raw().cast())
}

/// `#[mpy::module(exceptions = [E])]`: store exception type `E` in `globals` (building it
/// if nothing has yet), with direct firmware calls.
///
/// # Safety
///
/// As [`register_class`].
#[doc(hidden)]
pub unsafe fn register_exception<E: CustomException>(globals: *mut sys::MpObjDict) {
    // SAFETY: per the contract.
    unsafe {
        let ty = ensure_exception::<E>();
        (ffi::table().dict_store)(globals.cast(), E::name().as_obj().0, ty.0);
    }
}

/// Give a fresh type object the slots every exception type shares with `Exception`
/// (make_new, print, attr) and `base` as its parent, as the C dynruntime's
/// `mp_obj_exception_init` does.
fn init_exception_type(full: &mut MpObjFullType, base: Obj) {
    let exc = ffi::table().type_exception;
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

/// `make_new` slot: forwards the call to the constructor function.
unsafe extern "C" fn make_new<T: Class>(
    _ty: *const MpObjType,
    n_args: usize,
    n_kw: usize,
    args: *const MpObj,
) -> MpObj {
    let Some(ctor) = T::slot().ctor.get() else {
        // Unreachable: the slot is set together with the constructor.
        return ffi::const_none();
    };
    // SAFETY: the firmware's calling convention for `n_args` positional and `n_kw` keyword
    // arguments, passed on unchanged. A raise unwinds through this frame, which owns
    // nothing with a destructor.
    unsafe { (ffi::table().call_function_n_kw)(ctor.as_obj().0, n_args | (n_kw << 8), args) }
}

/// `print` slot.
unsafe extern "C" fn print<T: Class + Repr>(print: *const MpPrint, o: MpObj, kind: c_int) {
    let mut p = Printer {
        print,
        _life: PhantomData,
    };
    // SAFETY: the firmware calls a type's print slot with an instance of that type.
    let this = unsafe { &(*o.cast::<Instance<T>>()).value };
    this.repr(&mut p, kind != sys::MP_PRINT_KIND_STR);
}

/// `attr` slot: load and store through [`Attrs`], everything else to the namespace.
unsafe extern "C" fn attr<T: Class + Attrs>(o: MpObj, name: RawQstr, dest: *mut MpObj) {
    // SAFETY: the firmware calls a type's attr slot with an instance of that type and a
    // two-word `dest`.
    let (this, dest) = unsafe {
        (
            &(*o.cast::<Instance<T>>()).value,
            core::slice::from_raw_parts_mut(dest, 2),
        )
    };
    let name = Qstr::from_raw(name);
    let outcome = if dest[0].is_null() {
        match this.get_attr(name) {
            None => {
                // Ask the firmware to continue with the class namespace.
                dest[1] = sys::MP_OBJ_SENTINEL;
                return;
            }
            Some(r) => r.map(|v| dest[0] = v.0),
        }
    } else if dest[0] == sys::MP_OBJ_SENTINEL && !dest[1].is_null() {
        match this.set_attr(name, Obj(dest[1])) {
            None => return,
            Some(r) => r.map(|()| dest[0] = core::ptr::null_mut()),
        }
    } else {
        return;
    };
    if let Err(e) = outcome {
        // SAFETY: nothing in this frame has a destructor left to run.
        unsafe { e.raise() }
    }
}

/// `binary_op` slot: `==`/`!=` between two instances; other operations unsupported.
unsafe extern "C" fn binary_op_eq<T: Class + PartialEq>(op: c_int, a: MpObj, b: MpObj) -> MpObj {
    let (a, b) = (Obj(a), Obj(b));
    match (<&T>::from_obj(&a), <&T>::from_obj(&b)) {
        (Ok(x), Ok(y)) if op == sys::MP_BINARY_OP_EQUAL => ffi::const_bool(x == y),
        (Ok(x), Ok(y)) if op == sys::MP_BINARY_OP_NOT_EQUAL => ffi::const_bool(x != y),
        _ => core::ptr::null_mut(),
    }
}

/// An exception type defined by the module; declare it with
/// [`create_exception!`](crate::create_exception) and register it with
/// [`Module::add_exception`].
pub trait CustomException: ExceptionType {
    /// The base class (`Exception` unless `create_exception!` names another).
    type Base: ExceptionType;
    /// The exception's name.
    fn name() -> Qstr;
    /// Where the registered type is recorded.
    #[doc(hidden)]
    fn slot() -> &'static TypeSlot;
}

/// Declare an exception type of the module: `mpy::create_exception!(FactorialError);`
/// (a subclass of `Exception`) or `mpy::create_exception!(BadInput, ValueError);`. List it
/// in `#[mpy::module(exceptions = [FactorialError])]` to make it a module attribute (or
/// register it with `m.add_exception::<FactorialError, Base>()?`); raise it with
/// `mpy::err!(FactorialError, "...")`. The type object is built when first needed.
#[macro_export]
macro_rules! create_exception {
    ($(#[$m:meta])* $vis:vis $name:ident) => {
        $crate::create_exception!($(#[$m])* $vis $name, $crate::exceptions::Exception);
    };
    ($(#[$m:meta])* $vis:vis $name:ident, $base:ty) => {
        $(#[$m])*
        #[derive(Debug)]
        $vis struct $name;

        impl $crate::class::CustomException for $name {
            type Base = $base;
            fn name() -> $crate::Qstr {
                $crate::qstr!($name)
            }
            fn slot() -> &'static $crate::class::TypeSlot {
                // Exported: kept in BSS by the linker (see `TypeSlot`).
                #[unsafe(export_name = ::core::concat!(
                    "__mpy_type_", ::core::module_path!(), "::", ::core::stringify!($name)
                ))]
                static SLOT: $crate::class::TypeSlot = $crate::class::TypeSlot::new();
                &SLOT
            }
        }

        impl $crate::exceptions::ExceptionType for $name {
            fn type_object() -> $crate::PyResult<$crate::Obj> {
                $crate::class::exception_type::<$name>()
            }
            unsafe fn type_object_raising() -> $crate::Obj {
                // SAFETY: forwarded from the caller.
                unsafe { $crate::class::ensure_exception::<$name>() }
            }
            const LAZY: $crate::err::LazyType =
                $crate::err::LazyType::Lookup(
                    &($crate::class::ensure_exception::<$name> as unsafe fn() -> $crate::Obj),
                );
        }
    };
}

/// The type object of a custom exception, built if nothing has yet.
#[doc(hidden)]
pub fn exception_type<E: CustomException>() -> PyResult<Obj> {
    match E::slot().get() {
        Some(t) => Ok(Obj(t.cast_mut().cast())),
        // SAFETY: building the type makes firmware calls only and owns nothing.
        None => unsafe { ffi::protect(|| ensure_exception::<E>().0) }
            .map(Obj)
            .map_err(PyErr::from_raised),
    }
}
