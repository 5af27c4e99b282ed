// Copyright 2026 the shiji authors. Use of this source code is governed by
// the BSD-style licence in the LICENSE file beside this directory.

//go:generate go run ../methodgen -std time.Time,time.Duration,time.Month,time.Weekday,net/url.URL github.com/shiji-market/shiji/node/... github.com/shiji-market/shiji/data/...

package template

import (
	"fmt"
	"reflect"
	"sync"
)

// Calling methods without reflection's method lookup.
//
// Go's text/template finds a method by name with reflect.Value.MethodByName,
// and a program that can do that makes the linker keep every exported method
// of every type that is used through an interface, called or not. This copy
// (see README.md) looks methods up in tables registered by the packages that
// own the types, written by methodgen, so a template calls .Method as before
// and the linker still drops what nothing calls.

// MethodsFunc returns the method of *recv named name as a func value (a
// method value such as x.Name), or nil when *T has no such exported method.
type MethodsFunc[T any] func(recv *T, name string) any

var methodTables sync.Map // reflect.Type of *T → func(reflect.Value, string) any

// RegisterMethods makes the exported methods that f returns callable from
// templates on values of type T and *T. The methods of a T that is not
// addressable are called on a copy. Registering a type twice replaces its
// table. It is meant for init functions written by methodgen.
func RegisterMethods[T any](f MethodsFunc[T]) {
	methodTables.Store(reflect.TypeFor[*T](), func(v reflect.Value, name string) any {
		return f((*T)(v.UnsafePointer()), name)
	})
}

// lookupMethod returns the method named name of v (a pointer, an interface
// or a value that is not addressable), or the zero Value when v's type has
// no registered method of that name.
func lookupMethod(v reflect.Value, name string) (m reflect.Value, err error) {
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return reflect.Value{}, nil
		}
		return lookupMethod(v.Elem(), name)
	case reflect.Pointer:
		// A nil *T still has T's methods, as with MethodByName: a method
		// that handles a nil receiver is called with one.
	default:
		if _, ok := methodTables.Load(reflect.PointerTo(v.Type())); !ok {
			return reflect.Value{}, nil
		}
		p := reflect.New(v.Type())
		p.Elem().Set(v)
		v = p
	}
	f, ok := methodTables.Load(v.Type())
	if !ok {
		return reflect.Value{}, nil
	}
	defer func() {
		// A method of T on a nil *T, or one promoted through a nil
		// embedded pointer: the standard library gets the method value
		// and fails when it calls it, with this message.
		if r := recover(); r != nil {
			err = fmt.Errorf("error calling %s: %v", name, r)
		}
	}()
	fn := f.(func(reflect.Value, string) any)(v, name)
	if fn == nil {
		return reflect.Value{}, nil
	}
	return reflect.ValueOf(fn), nil
}
