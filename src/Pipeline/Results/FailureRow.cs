namespace Mae.Cluster.Pipeline.Results;

/// <summary>One image that could not be embedded: a row of <c>failures_{i}.parquet</c>.</summary>
/// <param name="Key">The sample key.</param>
/// <param name="ImagePath">Where the image came from (tar member or loose path), or the key when there was no image member.</param>
/// <param name="Error">Why, in words.</param>
public sealed record FailureRow(string Key, string ImagePath, string Error);
