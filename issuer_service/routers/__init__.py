"""The issuer's HTTP resources, one router each: parse, call one domain function, render."""
