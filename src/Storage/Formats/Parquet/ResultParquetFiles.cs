using Parquet;
using Parquet.Schema;

namespace Mae.Cluster.Storage.Formats;

/// <summary>
/// Writes the per-shard Parquet files: <c>metadata_{i}.parquet</c> (one row per embedded image, clip-retrieval
/// style) and <c>failures_{i}.parquet</c>. Each file is one row group with a fixed schema whatever the rows hold:
/// <c>caption</c> is always present and nullable, so all shards of a job share one schema and readers can
/// concatenate them; <c>mask</c> (list of bool, true = patch removed) is present only when asked for. The output
/// is deterministic: the same rows give byte-identical files (no timestamps; the writer string is constant).
/// </summary>
public static class ResultParquetFiles
{
    private static readonly DataField<string> KeyField = new("key", nullable: false);
    private static readonly DataField<string> ImagePathField = new("image_path", nullable: false);
    private static readonly DataField<float> MaeLossField = new("mae_loss", nullable: false);
    private static readonly DataField<int> WidthField = new("width", nullable: false);
    private static readonly DataField<int> HeightField = new("height", nullable: false);
    private static readonly DataField<string> CaptionField = new("caption", nullable: true);
    private static readonly DataField<bool> MaskElementField = new("element", nullable: false);
    private static readonly ListField MaskField = new("mask", MaskElementField);
    private static readonly DataField<string> ErrorField = new("error", nullable: false);

    /// <summary>The metadata schema: key, image_path, mae_loss, width, height, caption (nullable) and, if asked, mask.</summary>
    public static ParquetSchema MetadataSchema(bool includeMask) => includeMask
        ? new ParquetSchema(KeyField, ImagePathField, MaeLossField, WidthField, HeightField, CaptionField, MaskField)
        : new ParquetSchema(KeyField, ImagePathField, MaeLossField, WidthField, HeightField, CaptionField);

    /// <summary>The failures schema: key, image_path, error.</summary>
    public static ParquetSchema FailuresSchema { get; } = new(KeyField, ImagePathField, ErrorField);

    /// <summary>Writes <paramref name="rows"/> as a metadata file to <paramref name="destination"/> (writable, need not seek; not disposed).</summary>
    /// <exception cref="ArgumentException">A row has a null key or path, or <paramref name="includeMask"/> is set and a row has no mask.</exception>
    public static async Task WriteMetadataAsync(Stream destination, IReadOnlyList<MetadataRow> rows, bool includeMask, CancellationToken cancellationToken = default)
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
        }

        await using var writer = await ParquetWriter.CreateAsync(MetadataSchema(includeMask), destination, WriterOptions(), cancellationToken: cancellationToken).ConfigureAwait(false);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(KeyField, rows.Select(r => r.Key).ToArray()).ConfigureAwait(false);
        await group.WriteAsync(ImagePathField, rows.Select(r => r.ImagePath).ToArray()).ConfigureAwait(false);
        await group.WriteAsync<float>(MaeLossField, rows.Select(r => r.MaeLoss).ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync<int>(WidthField, rows.Select(r => r.Width).ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync<int>(HeightField, rows.Select(r => r.Height).ToArray(), cancellationToken: cancellationToken).ConfigureAwait(false);
        await group.WriteAsync(CaptionField, rows.Select(r => r.Caption!).ToArray()).ConfigureAwait(false);
        if (includeMask)
        {
            var (values, repetitionLevels) = FlattenMasks(rows);

            // Every list is present and non-empty and no element is null, so every value sits at the deepest definition level.
            var definitionLevels = new int[values.Length];
            Array.Fill(definitionLevels, MaskElementField.MaxDefinitionLevel);
            await group.WriteAllPartsAsync<bool>(MaskElementField, values, definitionLevels, repetitionLevels, cancellationToken).ConfigureAwait(false);
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

        await using var writer = await ParquetWriter.CreateAsync(FailuresSchema, destination, WriterOptions(), cancellationToken: cancellationToken).ConfigureAwait(false);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(KeyField, rows.Select(r => r.Key).ToArray()).ConfigureAwait(false);
        await group.WriteAsync(ImagePathField, rows.Select(r => r.ImagePath).ToArray()).ConfigureAwait(false);
        await group.WriteAsync(ErrorField, rows.Select(r => r.Error).ToArray()).ConfigureAwait(false);
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
}
