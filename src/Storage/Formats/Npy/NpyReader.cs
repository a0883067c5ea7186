using System.Buffers.Binary;

namespace Mae.Cluster.Storage.Formats;

/// <summary>A minimal .npy reader for little-endian float32/float16 arrays, the files <see cref="NpyWriter"/> writes.</summary>
public static class NpyReader
{
    /// <exception cref="InvalidDataException">Not a .npy file, an element type other than '&lt;f4'/'&lt;f2', or too few data bytes.</exception>
    public static NpyArray Read(Stream source)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            return ReadArray(source);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The .npy file ends before its header says it should.", e);
        }
    }

    private static NpyArray ReadArray(Stream source)
    {
        var (descr, fortranOrder, shape) = NpyHeader.Read(source);
        var elementSize = descr switch
        {
            "<f4" => 4,
            "<f2" => 2,
            _ => throw new InvalidDataException($"Unsupported .npy element type '{descr}': only '<f4' and '<f2' are read."),
        };

        long count = 1;
        foreach (var dimension in shape)
        {
            count = checked(count * dimension);
        }

        if (count > Array.MaxLength / elementSize)
        {
            throw new InvalidDataException($"The .npy array has {count} elements, more than this reader can hold.");
        }

        var bytes = new byte[count * elementSize];
        source.ReadExactly(bytes);
        var values = new float[count];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = elementSize == 4
                ? BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4))
                : (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan(i * 2));
        }

        return new NpyArray(descr, fortranOrder, shape, values);
    }
}
