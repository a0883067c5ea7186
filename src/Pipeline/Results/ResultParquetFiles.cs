using Parquet;
using Parquet.Schema;

namespace Mae.Cluster.Pipeline.Results;

/// <summary>
/// Writes the per-shard Parquet files: <c>metadata_{i}.parquet</c> (one row per embedded image, clip-retrieval
/// style) and <c>failures_{i}.parquet</c>. Each file is one row group with a fixed schema whatever the rows hold:
/// <c>caption</c> is always present and nullable, so all shards of a job share one schema and readers can
/// concatenate them; <c>mae_loss</c> is required, or nullable and null in a job that does not compute the loss (so a
/// job's shards agree, and jobs that compute it keep the schema they always had); <c>mask</c> (list of bool, true =
/// patch removed) is present only when asked for. The output
/// is deterministic: the same rows give byte-identical files (no timestamps; the writer string is constant).
/// </summary>
/// <remarks>
/// Every write builds its own fields and schema. Parquet.Net's <see cref="ParquetSchema"/> constructor writes
/// levels into the fields it is given (<c>MaxDefinitionLevel = parent; MaxDefinitionLevel++</c>), so fields shared
/// between writes let one shard's schema build corrupt another shard's levels mid-write: a null caption written as
/// present, a file no reader can open. Building a few fields costs microseconds; sharing them cost data.
/// </remarks>
public static class ResultParquetFiles
{
    /// <summary>A new metadata schema: key, image_path, mae_loss (nullable without the loss), width, height, caption (nullable) and, if asked, mask.</summary>
    public static ParquetSchema MetadataSchema(bool includeMask, bool includeLoss = true) => new MetadataColumns(includeMask, includeLoss).Schema;

    /// <summary>A new failures schema: key, image_path, error.</summary>
    public static ParquetSchema FailuresSchema() => new FailureColumns().Schema;

    /// <summary>Writes <paramref name="rows"/> as a metadata file to <paramref name="destination"/> (writable, need not seek; not disposed).</summary>
    /// <param name="includeLoss">The job computes the loss: every row has one and mae_loss is required; otherwise it is null throughout.</param>
    /// <exception cref="ArgumentException">A row has a null key or path, <paramref name="includeMask"/> is set and a row has no mask, or a row's loss disagrees with <paramref name="includeLoss"/>.</exception>
    public static async Task WriteMetadataAsync(Stream destination, IReadOnlyList<MetadataRow> rows, bool includeMask, bool includeLoss,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(rows);
        for (var i = 0; i < rows.Count; i++)
        {
            CheckRequired(rows[i].Key, rows[i].ImagePath, i, nameof(rows));
            if (includeMask && rows[i].Mask is not { Count: > 0 })
            {
                throw new ArgumentException($"Metadata row {i} (key '{rows[i].Key}') has no mask, but the mask column was asked for.", nameof(rows));
            }
            if (rows[i].MaeLoss.HasValue != includeLoss)
            {
                throw new ArgumentException(includeLoss
                    ? $"Metadata row {i} (key '{rows[i].Key}') has no loss, but the job computes it."
                    : $"Metadata row {i} (key '{rows[i].Key}') has a loss, but the job does not compute it.", nameof(rows));
            }
        }

        var columns = new MetadataColumns(includeMask, includeLoss);
        await using var writer = await ParquetWriter.CreateAsync(columns.Schema, destination, WriterOptions(), cancellationToken: cancellationToken).ConfigureAwait(false);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(columns.Key, rows.Select(r => r.Key).ToArray()).ConfigureAwait(false);
        await group.WriteAsync(columns.ImagePath, rows.Select(r => r.ImagePath).ToArray()).ConfigureAwait(false);
        if (includeLoss)
        {
            await group.WriteAsync<float>(columns.MaeLoss, rows.Select(r => r.MaeLoss!.Value).ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await group.WriteAsync<float>(columns.MaeLoss, new float?[rows.Count], cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        await group.WriteAsync<int>(columns.Width, rows.Select(r => r.Width).ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync<int>(columns.Height, rows.Select(r => r.Height).ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync(columns.Caption, rows.Select(r => r.Caption!).ToArray()).ConfigureAwait(false);
        if (includeMask)
        {
            var (values, repetitionLevels) = FlattenMasks(rows);

            // Every list is present and non-empty and no element is null, so every value sits at the deepest definition level.
            var definitionLevels = new int[values.Length];
            Array.Fill(definitionLevels, columns.MaskElement.MaxDefinitionLevel);
            await group.WriteAllPartsAsync<bool>(columns.MaskElement, values, definitionLevels, repetitionLevels, cancellationToken).ConfigureAwait(false);
        }

        group.CompleteValidate();
    }

    /// <summary>Writes <paramref name="rows"/> as a failures file to <paramref name="destination"/> (writable, need not seek; not disposed).</summary>
    /// <exception cref="ArgumentException">A row has a null field.</exception>
    public static async Task WriteFailuresAsync(Stream destination, IReadOnlyList<FailureRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(rows);
        for (var i = 0; i < rows.Count; i++)
        {
            CheckRequired(rows[i].Key, rows[i].ImagePath, i, nameof(rows));
            if (rows[i].Error is null)
            {
                throw new ArgumentException($"Failure row {i} (key '{rows[i].Key}') has no error text.", nameof(rows));
            }
        }

        var columns = new FailureColumns();
        await using var writer = await ParquetWriter.CreateAsync(columns.Schema, destination, WriterOptions(), cancellationToken: cancellationToken).ConfigureAwait(false);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(columns.Key, rows.Select(r => r.Key).ToArray()).ConfigureAwait(false);
        await group.WriteAsync(columns.ImagePath, rows.Select(r => r.ImagePath).ToArray()).ConfigureAwait(false);
        await group.WriteAsync(columns.Error, rows.Select(r => r.Error).ToArray()).ConfigureAwait(false);
        group.CompleteValidate();
    }

    /// <summary>Fixed options, so the bytes do not change with library defaults that are not part of the format.</summary>
    private static ParquetOptions WriterOptions() => new() { CompressionMethod = CompressionMethod.Snappy };

    /// <summary>Parquet lists are flat values plus repetition levels: 0 starts a new row's list, 1 continues it.</summary>
    private static (bool[] Values, int[] RepetitionLevels) FlattenMasks(IReadOnlyList<MetadataRow> rows)
    {
        var total = rows.Sum(r => r.Mask!.Count);
        var values = new bool[total];
        var levels = new int[total];
        var position = 0;
        foreach (var row in rows)
        {
            var mask = row.Mask!;
            for (var j = 0; j < mask.Count; j++)
            {
                values[position] = mask[j];
                levels[position] = j == 0 ? 0 : 1;
                position++;
            }
        }

        return (values, levels);
    }

    private static void CheckRequired(string key, string imagePath, int index, string parameterName)
    {
        if (key is null || imagePath is null)
        {
            throw new ArgumentException($"Row {index} has a null key or image_path.", parameterName);
        }
    }

    /// <summary>One write's metadata fields, owned by that write alone (see the remarks on the class).</summary>
    private sealed class MetadataColumns
    {
        public MetadataColumns(bool includeMask, bool includeLoss)
        {
            MaeLoss = new DataField<float>("mae_loss", nullable: !includeLoss);
            Schema = includeMask
                ? new ParquetSchema(Key, ImagePath, MaeLoss, Width, Height, Caption, new ListField("mask", MaskElement))
                : new ParquetSchema(Key, ImagePath, MaeLoss, Width, Height, Caption);
        }

        public DataField<string> Key { get; } = new("key", nullable: false);

        public DataField<string> ImagePath { get; } = new("image_path", nullable: false);

        public DataField<float> MaeLoss { get; }

        public DataField<int> Width { get; } = new("width", nullable: false);

        public DataField<int> Height { get; } = new("height", nullable: false);

        public DataField<string> Caption { get; } = new("caption", nullable: true);

        public DataField<bool> MaskElement { get; } = new("element", nullable: false);

        public ParquetSchema Schema { get; }
    }

    /// <summary>One write's failure fields, owned by that write alone.</summary>
    private sealed class FailureColumns
    {
        public FailureColumns() => Schema = new ParquetSchema(Key, ImagePath, Error);

        public DataField<string> Key { get; } = new("key", nullable: false);

        public DataField<string> ImagePath { get; } = new("image_path", nullable: false);

        public DataField<string> Error { get; } = new("error", nullable: false);

        public ParquetSchema Schema { get; }
    }
}
