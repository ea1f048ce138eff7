#include "mykey/printer_file/file_printer_port.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace mykey::printer {

FilePrinterPort::FilePrinterPort(std::string path, bool append)
    : FdPrinterPort("file " + path), path_(std::move(path)), append_(append) {}

Status FilePrinterPort::DoOpen() {
  const int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append_ ? O_APPEND : O_TRUNC);
  const int fd = ::open(path_.c_str(), flags, 0644);
  if (fd < 0) return Fail(OpenError(errno, "cannot open the printer file"));
  Adopt(fd);
  return Ok();
}

}  // namespace mykey::printer
