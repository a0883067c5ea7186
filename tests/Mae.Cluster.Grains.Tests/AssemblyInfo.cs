// The clusters share two CPU cores with the build; one at a time keeps lease timings honest.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
