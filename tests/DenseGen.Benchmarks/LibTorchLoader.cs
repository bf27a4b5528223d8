using System;
using System.Buffers.Binary;
using System.IO;
using System.Text;

namespace DenseGen.Benchmarks;

/// <summary>
/// Makes TorchSharp's native library load on Debian 12. libLibTorchSharp.so (TorchSharp 0.107) declares that it
/// needs the GLIBCXX_3.4.32 symbol version of libstdc++, which Debian 12's GCC 12 runtime lacks, for a single
/// symbol the library never calls. Marking that one version requirement weak (VER_FLG_WEAK in its ELF
/// version-needs entry) lets the dynamic loader accept the library; every other requirement stays strict.
/// </summary>
internal static class LibTorchLoader
{
    private const string MissingVersion = "GLIBCXX_3.4.32";
    private const uint SectionGnuVersionNeeds = 0x6ffffffe; // SHT_GNU_verneed
    private const ushort VersionFlagWeak = 0x2;             // VER_FLG_WEAK

    /// <summary>Patches every copy of the library next to this program, once; later calls find it patched.</summary>
    public static void PrepareNativeLibrary()
    {
        if (!OperatingSystem.IsLinux())
            return;
        foreach (string path in Directory.EnumerateFiles(AppContext.BaseDirectory, "libLibTorchSharp.so", SearchOption.AllDirectories))
            WeakenVersionRequirement(path, MissingVersion);
    }

    /// <summary>Sets VER_FLG_WEAK on the version-needs entry named <paramref name="version"/>; returns whether the file changed.</summary>
    public static bool WeakenVersionRequirement(string path, string version)
    {
        byte[] elf = File.ReadAllBytes(path);
        // ELF64, little-endian: e_ident[EI_CLASS] = 2, e_ident[EI_DATA] = 1.
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[4] != 2 || elf[5] != 1)
            return false;

        long sectionHeaders = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(0x28));
        int sectionHeaderSize = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3A));
        int sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(0x3C));
        bool changed = false;
        for (int index = 0; index < sectionCount; index++)
        {
            Span<byte> header = elf.AsSpan((int)(sectionHeaders + (long)index * sectionHeaderSize), sectionHeaderSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != SectionGnuVersionNeeds)
                continue;
            int needs = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[24..]);
            int linkedStrings = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[40..]);
            Span<byte> stringsHeader = elf.AsSpan((int)(sectionHeaders + (long)linkedStrings * sectionHeaderSize), sectionHeaderSize);
            int strings = (int)BinaryPrimitives.ReadUInt64LittleEndian(stringsHeader[24..]);

            // Elf64_Verneed { u16 version, u16 count, u32 file, u32 aux, u32 next }, each followed by
            // Elf64_Vernaux { u32 hash, u16 flags, u16 other, u32 name, u32 next } entries.
            for (int need = needs; ; )
            {
                int count = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(need + 2));
                int aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(need + 8));
                for (int k = 0; k < count; k++)
                {
                    int name = strings + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(aux + 8));
                    int end = Array.IndexOf(elf, (byte)0, name);
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(aux + 4));
                    if (Encoding.ASCII.GetString(elf, name, end - name) == version && (flags & VersionFlagWeak) == 0)
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(aux + 4), (ushort)(flags | VersionFlagWeak));
                        changed = true;
                    }
                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(aux + 12));
                }
                int next = (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(need + 12));
                if (next == 0)
                    break;
                need += next;
            }
        }
        if (changed)
            File.WriteAllBytes(path, elf);
        return changed;
    }
}
