namespace Mae.Cluster.Pipeline.Results;

/// <summary>One embedded image's row of <c>metadata_{i}.parquet</c>, in the same order as the rows of <c>img_emb_{i}.npy</c>.</summary>
/// <param name="Key">The sample key.</param>
/// <param name="ImagePath">Where the image came from (tar member or loose path, relative to the input).</param>
/// <param name="MaeLoss">The image's MAE reconstruction loss; null when the job does not compute the loss.</param>
/// <param name="Width">Original image width in pixels.</param>
/// <param name="Height">Original image height in pixels.</param>
/// <param name="Caption">The WebDataset caption, if any.</param>
/// <param name="Mask">Per-patch mask (true = patch removed), needed only when the mask column is written.</param>
public sealed record MetadataRow(string Key, string ImagePath, float? MaeLoss, int Width, int Height, string? Caption = null, IReadOnlyList<bool>? Mask = null);
