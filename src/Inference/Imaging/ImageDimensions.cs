namespace Mae.Cluster.Inference.Imaging;

/// <summary>Width and height of an image in pixels.</summary>
public readonly record struct ImageDimensions(int Width, int Height)
{
    public override string ToString() => $"{Width}×{Height}";
}
