package mongolog

// FreezeLeases stops (or resumes) the subscriber taking and renewing leases,
// as a process frozen by a long pause would.
func FreezeLeases(s *Subscriber, frozen bool) { s.leasesFrozen.Store(frozen) }
