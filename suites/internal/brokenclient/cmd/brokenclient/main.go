// Command brokenclient is an MT client with one defect (--defect NAME),
// for the self-test of mm7harness certify-client; see package
// suites/internal/brokenclient.
package main

import (
	"os"

	"github.com/mm7harness/mm7harness/suites/internal/brokenclient"
)

func main() { os.Exit(brokenclient.Main(os.Args[1:], os.Stdout, os.Stderr)) }
