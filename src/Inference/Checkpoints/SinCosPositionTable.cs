namespace Mae.Cluster.Inference.Checkpoints;

/// <summary>
/// The fixed 2-D sine-cosine position table MAE stores in <c>position_embeddings</c> and <c>decoder_pos_embed</c>
/// (Hugging Face's <c>get_2d_sincos_pos_embed(embed_dim, grid_size, add_cls_token=True)</c>).
/// </summary>
public static class SinCosPositionTable
{
    /// <summary>
    /// A row-major [1 + G·G, D] table. Row 0 (CLS) is zero; patch (row r, column c) is row 1 + r·G + c, holding
    /// [sin(c·ω), cos(c·ω), sin(r·ω), cos(r·ω)] with ω_k = 10000^(−k/(D/4)), k = 0..D/4−1 — the first half
    /// encodes the column, the second the row. Computed in float64, stored as float32, as Hugging Face does.
    /// </summary>
    /// <param name="embedDim">D; must be a multiple of 4.</param>
    /// <param name="gridSize">G, patches along one side.</param>
    public static float[] Create(int embedDim, int gridSize)
    {
        if (embedDim <= 0 || embedDim % 4 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(embedDim), embedDim, "A 2-D sin-cos table needs a positive width divisible by 4.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gridSize);
        var quarter = embedDim / 4;
        var omega = new double[quarter];
        for (var k = 0; k < quarter; k++)
        {
            omega[k] = 1.0 / Math.Pow(10000.0, k / (double)quarter);
        }

        var table = new float[(1 + (gridSize * gridSize)) * embedDim];
        for (var row = 0; row < gridSize; row++)
        {
            for (var column = 0; column < gridSize; column++)
            {
                var offset = (1 + (row * gridSize) + column) * embedDim;
                for (var k = 0; k < quarter; k++)
                {
                    table[offset + k] = (float)Math.Sin(column * omega[k]);
                    table[offset + quarter + k] = (float)Math.Cos(column * omega[k]);
                    table[offset + (2 * quarter) + k] = (float)Math.Sin(row * omega[k]);
                    table[offset + (3 * quarter) + k] = (float)Math.Cos(row * omega[k]);
                }
            }
        }

        return table;
    }
}
