# escape=`
# syntax=docker/dockerfile:1
FROM mcr.microsoft.com/windows/servercore:ltsc2022
RUN echo one `
    two
COPY C:\src\app.exe C:\app\
ENV DIR=C:\Program` Files\App
WORKDIR C:\app
