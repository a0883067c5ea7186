using ParquetSharp;

namespace Mae.Cluster.Pipeline.Tests.Support;

/// <summary>A metadata_{i}.parquet row as Apache Arrow's C++ reader (ParquetSharp) reads it.</summary>
/// <param name="MaeLoss">Null in a job that does not compute the loss (the column is then optional).</param>
internal sealed record MetadataRecord(string Key, string ImagePath, float? MaeLoss, int Width, int Height, string? Caption);

/// <summary>A failures_{i}.parquet row as ParquetSharp reads it.</summary>
internal sealed record FailureRecord(string Key, string ImagePath, string Error);

/// <summary>Reads the job's Parquet files with ParquetSharp, independently of the Parquet.Net writer the product uses.</summary>
internal static class ParquetFiles
{
    public static IReadOnlyList<MetadataRecord> ReadMetadata(string path)
    {
        using var reader = new ParquetFileReader(path);
        var keys = ReadColumn<string>(reader, "key");
        var paths = ReadColumn<string>(reader, "image_path");
        var losses = ParquetSharpColumns.ReadNullableFloats(reader, ColumnIndex(reader, "mae_loss"));
        var widths = ReadColumn<int>(reader, "width");
        var heights = ReadColumn<int>(reader, "height");
        var captions = ReadColumn<string?>(reader, "caption");
        return keys.Select((key, i) => new MetadataRecord(key, paths[i], losses[i], widths[i], heights[i], captions[i])).ToArray();
    }

    public static IReadOnlyList<FailureRecord> ReadFailures(string path)
    {
        using var reader = new ParquetFileReader(path);
        var keys = ReadColumn<string>(reader, "key");
        var paths = ReadColumn<string>(reader, "image_path");
        var errors = ReadColumn<string>(reader, "error");
        return keys.Select((key, i) => new FailureRecord(key, paths[i], errors[i])).ToArray();
    }

    private static T[] ReadColumn<T>(ParquetFileReader reader, string name) => ParquetSharpColumns.Read<T>(reader, ColumnIndex(reader, name));

    private static int ColumnIndex(ParquetFileReader reader, string name)
    {
        var schema = reader.FileMetaData.Schema;
        return Enumerable.Range(0, schema.NumColumns).Single(i => schema.Column(i).Name == name);
    }
}
