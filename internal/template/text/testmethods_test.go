// Copyright 2026 the shiji authors. Use of this source code is governed by
// the BSD-style licence in the LICENSE file beside this directory.

package template

// The method tables of the test-only types of Go's own tests (exec_test.go
// and escape_test.go), written as methodgen would write them: this fork
// calls a method only through a table that registers it (see
// text/methods.go and README.md).
func init() {
	RegisterMethods(func(x *S, name string) any {
		switch name {
		case "Method0":
			return x.Method0
		}
		return nil
	})
	RegisterMethods(func(x *V, name string) any {
		switch name {
		case "String":
			return x.String
		}
		return nil
	})
	RegisterMethods(func(x *W, name string) any {
		switch name {
		case "Error":
			return x.Error
		}
		return nil
	})
	RegisterMethods(func(x *T, name string) any {
		switch name {
		case "Method0":
			return x.Method0
		case "Method1":
			return x.Method1
		case "Method2":
			return x.Method2
		case "Method3":
			return x.Method3
		case "Copy":
			return x.Copy
		case "MAdd":
			return x.MAdd
		case "MyError":
			return x.MyError
		case "GetU":
			return x.GetU
		}
		return nil
	})
	RegisterMethods(func(x *U, name string) any {
		switch name {
		case "TrueFalse":
			return x.TrueFalse
		}
		return nil
	})
	RegisterMethods(func(x *ErrorWriter, name string) any {
		switch name {
		case "Write":
			return x.Write
		}
		return nil
	})
	RegisterMethods(func(x *CustomError, name string) any {
		switch name {
		case "Error":
			return x.Error
		}
		return nil
	})
}
