namespace Mae.Cluster.Storage.Formats;

/// <summary>One loose image file of an input folder or prefix.</summary>
/// <param name="Key">The path relative to the input prefix without its last extension ("a/b.c.jpg" → "a/b.c"), safe as a relative path.</param>
/// <param name="ImagePath">The full path relative to the input prefix, as listed.</param>
/// <param name="Error">Why the image must not be processed (unsafe path, duplicate key), or null.</param>
public sealed record LooseImage(string Key, string ImagePath, string? Error);
